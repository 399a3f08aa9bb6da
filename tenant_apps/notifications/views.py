"""Notification pages: the list, the bell, preferences, and opening a single-purpose link.

Mark-read buttons post with htmx and get back the row and, out of band, the bell; without
htmx the same routes redirect back to the list.
"""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.views.decorators.http import require_POST

from shared_apps.accounts.two_factor import has_two_factor
from tenant_apps.kit.access import actor_for, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template
from tenant_apps.notifications import actions
from tenant_apps.notifications.forms import PreferencesForm
from tenant_apps.notifications.kinds import Channel
from tenant_apps.notifications.links import (
    LinkRefused,
    action_link_for,
    session_scope,
    session_scope_begin,
)
from tenant_apps.notifications.selectors import (
    action_links_visible_to,
    notifications_for,
    unread_count,
)
from tenant_apps.security.selectors import two_factor_setup_required

PAGE_SIZE = 30


def _with_bell(request, template: str, context: dict) -> HttpResponse:
    """``template`` for htmx to swap in, and the bell's new count out of band."""
    bell_context = {"unread": unread_count(request.user), "oob": True}
    return HttpResponse(
        render_to_string(template, context, request)
        + render_to_string("notifications/includes/bell.html", bell_context, request)
    )


@permission_required("notifications.use")
def notification_list(request):
    unread_only = request.GET.get("show") == "unread"
    rows = notifications_for(request.user)
    if unread_only:
        rows = rows.unread()
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "page_query": "show=unread" if unread_only else "",
        "unread_only": unread_only,
        "unread": unread_count(request.user),
    }
    template = list_template(request, "notifications/list.html", results="notification-results")
    return render(request, template, context)


def bell(request):
    """The bell alone, for the layout's periodic refresh. Signed out meanwhile (or in a
    link-opened session, which has no bell): 204, which htmx leaves as it is."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204)
    require(actor_for(request), "notifications.use", request=request)
    return render(
        request, "notifications/includes/bell.html", {"unread": unread_count(request.user)}
    )


@permission_required("notifications.use")
def notification_open(request, notification_id):
    """Follow a notification to its item, marking it read on the way."""
    notification = get_object_or_404(notifications_for(request.user), pk=notification_id)
    actions.notifications_mark_read(user=request.user, ids=[notification.pk])
    # Stored paths are ours; anything else would be an open redirect, so it is not followed.
    if not url_has_allowed_host_and_scheme(notification.url, allowed_hosts={request.get_host()}):
        return redirect("notifications:list")
    return HttpResponseRedirect(notification.url)


@require_POST
@permission_required("notifications.use")
def mark_read(request, notification_id):
    notification = get_object_or_404(notifications_for(request.user), pk=notification_id)
    actions.notifications_mark_read(user=request.user, ids=[notification.pk])
    if not is_htmx(request):
        return redirect("notifications:list")
    notification.refresh_from_db(fields=["read_at"])
    return _with_bell(request, "notifications/list.html#row", {"notification": notification})


@require_POST
@permission_required("notifications.use")
def mark_all_read(request):
    count = actions.notifications_mark_read(user=request.user)
    if is_htmx(request):
        page = Paginator(notifications_for(request.user), PAGE_SIZE).get_page(1)
        return _with_bell(request, "notifications/list.html#results", {"page": page})
    messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return redirect("notifications:list")


@permission_required("notifications.use")
def preferences(request):
    actor = actor_for(request)
    form = PreferencesForm(request.POST or None, user=request.user, is_team=actor.is_team)
    if request.method == "POST" and form.is_valid():
        changed = actions.preferences_update(
            user=request.user, channels=form.channels(), request=request
        )
        messages.success(
            request, "Your email choices are saved." if changed else "Nothing changed."
        )
        return redirect("notifications:preferences")
    links = action_links_visible_to(actor).filter(user=request.user)[:50]
    context = {"form": form, "links": links, "channels": Channel.choices}
    return render(request, "notifications/preferences.html", context)


@require_POST
@permission_required("notifications.use")
def link_revoke(request, link_id):
    actor = actor_for(request)
    link = get_object_or_404(action_links_visible_to(actor), pk=link_id)
    require(actor, "action_link.revoke", link, request=request)
    actions.action_link_revoke(link=link, actor=request.user, request=request)
    messages.success(request, f"The link to {link.object_label} no longer works.")
    return redirect(request.POST.get("next") or "notifications:preferences")


REFUSALS = {
    "malformed": (404, "This link is not complete. Check that you copied all of it."),
    "unknown": (404, "This link is not valid here."),
    "foreign": (
        403,
        "This link belongs to another workspace. Open it from the email, on the address "
        "it was sent with.",
    ),
    "revoked": (410, "This link has been withdrawn."),
    "expired": (410, "This link has expired."),
    "other_person": (
        403,
        "This link was sent to someone else. Sign out first if you want to use it.",
    ),
}


def _refused(request, reason: str):
    status, message = REFUSALS[reason]
    context = {"reason": reason, "message": message}
    return render(request, "notifications/link_refused.html", context, status=status)


def action_link_open(request, token):
    """A notification email's single-purpose link.

    GET asks for a click, so mail scanners that open links sign nobody in; POST signs the
    link's person in for that one item and goes there. Refusals write nothing.
    """
    try:
        link = action_link_for(token)
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    full_session = request.user.is_authenticated and session_scope(request) is None
    if request.user.is_authenticated and request.user.pk != link.user_id:
        return _refused(request, "other_person")
    if full_session:
        return HttpResponseRedirect(link.path)
    if has_two_factor(link.user) or two_factor_setup_required(link.user):
        # Two-factor people prove the second factor too; the link only shows them the way.
        messages.info(request, "Sign in to open this item.")
        return redirect(f"{reverse('accounts:login')}?{urlencode({'next': link.path})}")
    if request.method == "POST":
        session_scope_begin(request, link)
        actions.action_link_used(link=link, request=request)
        return HttpResponseRedirect(link.path)
    return render(request, "notifications/link_confirm.html", {"link": link})
