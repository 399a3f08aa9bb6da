from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.csp import CSP
from django.views.decorators.clickjacking import xframe_options_sameorigin
from django.views.decorators.csp import csp_override

from tenant_apps.client_requests.selectors import agency_zone
from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.kit.roles import ClientRole
from tenant_apps.people.models import ClientMember
from tenant_apps.people.selectors import visible_companies
from tenant_apps.projects import actions
from tenant_apps.projects.selectors import weekly_report_enabled
from tenant_apps.weekly_report.forms import PreviewForm, WeeklyReportForm
from tenant_apps.weekly_report.report import monday_of, weekly_report, weekly_report_email


def _preview_companies(actor):
    """Companies whose report can be previewed: those with a client admin to send it to."""
    with_admins = ClientMember.objects.filter(role=ClientRole.ADMIN, user__is_active=True)
    return visible_companies(actor).filter(pk__in=with_admins.values("company_id")).order_by("name")


@permission_required("weekly_report.manage")
def weekly_report_settings(request):
    actor = actor_for(request)
    if request.method == "POST":
        form = WeeklyReportForm(request.POST)
        if form.is_valid():
            enabled = form.cleaned_data["is_enabled"]
            actions.weekly_report_switch(enabled=enabled, actor=actor.user, request=request)
            messages.success(request, f"The weekly client report is {'on' if enabled else 'off'}.")
            return redirect("weekly_report:settings")
    form = WeeklyReportForm(initial={"is_enabled": weekly_report_enabled()})
    companies = _preview_companies(actor)
    preview_form = PreviewForm(request.GET or None, companies=companies)
    if preview_form.is_valid():
        company = preview_form.cleaned_data["company"]
    else:
        company = companies.first()
        preview_form = PreviewForm(initial={"company": company}, companies=companies)
    context = {"form": form, "preview_form": preview_form, "company": company}
    return render(request, "weekly_report/settings.html", context)


@permission_required("weekly_report.manage")
@xframe_options_sameorigin
@csp_override(
    {
        # The email as mail clients get it: inline styles, no scripts, nothing sent anywhere.
        "default-src": [CSP.NONE],
        "style-src": [CSP.UNSAFE_INLINE],
        "img-src": [CSP.SELF, "data:"],
        "frame-ancestors": [CSP.SELF],
        "base-uri": [CSP.NONE],
        "form-action": [CSP.NONE],
    }
)
def weekly_report_preview(request):
    """This week's report so far, as the company's first client admin would get it."""
    actor = actor_for(request)
    form = PreviewForm(request.GET, companies=_preview_companies(actor))
    if not form.is_valid():
        return HttpResponse(
            "Choose a client with a client admin to preview its report.",
            content_type="text/plain",
            status=400,
        )
    member = (
        ClientMember.objects.filter(
            company=form.cleaned_data["company"], role=ClientRole.ADMIN, user__is_active=True
        )
        .select_related("user", "company")
        .order_by("id")
        .first()
    )
    zone = agency_zone()
    week = monday_of(timezone.localdate(timezone=zone))
    email = weekly_report_email(weekly_report(member=member, week=week, zone=zone))
    html, _ = email.alternatives[0]
    return HttpResponse(html)
