"""The console's announcements: list, publish, change and take down."""

from datetime import datetime, time, timedelta

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_POST

from operators import announcements as actions
from operators.access import console_view
from operators.models import Announcement
from operators.roles import Capability, role_may
from shared_apps.core.dates import LocalDateField


def _plan_choices():
    return [(plan["key"], plan["name"]) for plan in settings.BILLING_PLANS]


class AnnouncementForm(forms.Form):
    title = forms.CharField(max_length=120)
    body = forms.CharField(
        max_length=2000, widget=forms.Textarea(attrs={"rows": 4}), label="Message"
    )
    level = forms.ChoiceField(choices=Announcement.Level.choices, label="Kind")
    starts_on = LocalDateField(label="Starts on")
    starts_time = forms.TimeField(
        label="at", widget=forms.TimeInput(attrs={"placeholder": "hh:mm", "inputmode": "numeric"})
    )
    ends_on = LocalDateField(label="Ends on")
    ends_time = forms.TimeField(
        label="at", widget=forms.TimeInput(attrs={"placeholder": "hh:mm", "inputmode": "numeric"})
    )
    plans = forms.MultipleChoiceField(
        choices=_plan_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: agencies on every plan.",
    )
    audiences = forms.MultipleChoiceField(
        choices=Announcement.Audience.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Who sees it",
        help_text="None ticked: everyone in the portals.",
    )

    @classmethod
    def initial_for(cls, announcement: Announcement | None) -> dict:
        zone = timezone.get_current_timezone()
        if announcement is None:
            starts = timezone.localtime(timezone.now(), zone).replace(second=0, microsecond=0)
            ends = starts + timedelta(days=7)
            return {
                "starts_on": starts.date(),
                "starts_time": starts.time(),
                "ends_on": ends.date(),
                "ends_time": ends.time(),
            }
        starts = timezone.localtime(announcement.starts_at, zone)
        ends = timezone.localtime(announcement.ends_at, zone)
        return {
            "title": announcement.title,
            "body": announcement.body,
            "level": announcement.level,
            "starts_on": starts.date(),
            "starts_time": starts.time().replace(second=0, microsecond=0),
            "ends_on": ends.date(),
            "ends_time": ends.time().replace(second=0, microsecond=0),
            "plans": announcement.plans,
            "audiences": announcement.audiences,
        }

    def clean(self):
        data = super().clean()
        if all(data.get(name) for name in ("starts_on", "starts_time", "ends_on", "ends_time")):
            starts_at, ends_at = self.moments()
            if ends_at <= starts_at:
                self.add_error("ends_on", actions.END_BEFORE_START)
        return data

    def moments(self) -> tuple[datetime, datetime]:
        """The start and end, read in the viewer's time zone."""
        zone = timezone.get_current_timezone()
        data = self.cleaned_data

        def at(day, clock: time) -> datetime:
            return datetime.combine(day, clock.replace(second=0, microsecond=0), zone)

        return at(data["starts_on"], data["starts_time"]), at(data["ends_on"], data["ends_time"])


def _put_errors(form: forms.Form, error: ValidationError) -> None:
    fields = {"ends_at": "ends_on", "starts_at": "starts_on"}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, problems in error.message_dict.items():
        name = fields.get(field, field)
        form.add_error(name if name in form.fields else None, problems)


def _state(announcement: Announcement, now) -> str:
    if announcement.ends_at <= now:
        return "Ended"
    return "Live" if announcement.starts_at <= now else "Scheduled"


@console_view(Capability.VIEW)
def announcement_list(request):
    now = timezone.now()
    rows = Announcement.objects.select_related("created_by").order_by("-starts_at")[:200]
    plan_names = dict(_plan_choices())
    audience_names = dict(Announcement.Audience.choices)
    announcements = [
        {
            "item": row,
            "state": _state(row, now),
            "plans": ", ".join(plan_names.get(key, key) for key in row.plans) or "Every plan",
            "audiences": ", ".join(audience_names.get(key, key) for key in row.audiences)
            or "Everyone",
        }
        for row in rows
    ]
    context = {
        "announcements": announcements,
        "may_announce": role_may(request.operator.role, Capability.ANNOUNCE),
        "console_section": "announcements",
    }
    return render(request, "operators/announcements.html", context)


def _save(request, announcement: Announcement | None):
    form = AnnouncementForm(
        request.POST or None, initial=AnnouncementForm.initial_for(announcement)
    )
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.moments()
        fields = {
            "operator": request.user,
            "title": form.cleaned_data["title"],
            "body": form.cleaned_data["body"],
            "level": form.cleaned_data["level"],
            "starts_at": starts_at,
            "ends_at": ends_at,
            "plans": form.cleaned_data["plans"],
            "audiences": form.cleaned_data["audiences"],
            "request": request,
        }
        try:
            if announcement is None:
                actions.announcement_create(**fields)
                messages.success(request, "The announcement is published.")
            else:
                actions.announcement_update(announcement=announcement, **fields)
                messages.success(request, "The announcement is changed.")
        except ValidationError as error:
            _put_errors(form, error)
        else:
            return redirect("operator:announcements")
    context = {"form": form, "announcement": announcement, "console_section": "announcements"}
    return render(request, "operators/announcement_form.html", context, status=_status(form))


def _status(form) -> int:
    return 400 if form.is_bound and form.errors else 200


@console_view(Capability.ANNOUNCE)
def announcement_new(request):
    return _save(request, None)


@console_view(Capability.ANNOUNCE)
def announcement_edit(request, announcement_id: int):
    announcement = get_object_or_404(Announcement, pk=announcement_id)
    if announcement.ends_at <= timezone.now():
        messages.error(request, "An announcement that has ended cannot be changed.")
        return redirect("operator:announcements")
    return _save(request, announcement)


@require_POST
@console_view(Capability.ANNOUNCE)
def announcement_ended(request, announcement_id: int):
    announcement = get_object_or_404(Announcement, pk=announcement_id)
    try:
        actions.announcement_end(announcement=announcement, operator=request.user, request=request)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"“{announcement.title}” is taken down.")
    return redirect("operator:announcements")


urlpatterns = [
    path("announcements/", announcement_list, name="announcements"),
    path("announcements/new/", announcement_new, name="announcement_new"),
    path("announcements/<int:announcement_id>/", announcement_edit, name="announcement"),
    path("announcements/<int:announcement_id>/end/", announcement_ended, name="announcement_end"),
]
