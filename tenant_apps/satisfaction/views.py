"""The rating on a request's page (its panel, loaded by htmx) and the emailed survey's links.

A survey link is a notifications ActionLink on the request's rating page: GET shows the
chosen answer and asks for one click (mail scanners that open links record nothing); POST
records it, signs its person in for that page only (if they are not signed in), and shows it
with a box for an optional comment.
"""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse

from shared_apps.accounts.two_factor import has_two_factor
from tenant_apps.client_requests.models import ClientRequest
from tenant_apps.client_requests.selectors import visible_requests
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx
from tenant_apps.notifications.actions import action_link_used
from tenant_apps.notifications.links import (
    LinkRefused,
    action_link_for,
    session_scope,
    session_scope_begin,
)
from tenant_apps.notifications.views import REFUSALS
from tenant_apps.satisfaction.actions import rating_give, rating_path
from tenant_apps.satisfaction.forms import LinkRatingForm, RatingForm
from tenant_apps.satisfaction.models import CHANGE_DAYS, Score, Via
from tenant_apps.satisfaction.selectors import rating_state
from tenant_apps.security.selectors import two_factor_setup_required


def _form_errors(form, error: ValidationError) -> None:
    for field, problems in error.message_dict.items():
        for problem in problems:
            form.add_error(field if field in form.fields else None, problem)


@permission_required("workspace.use")
def rating_page(request, request_id):
    """GET: the rating (the asker's control while it may change); POST: the asker rates."""
    actor = actor_for(request)
    client_request = get_object_or_404(visible_requests(actor), pk=request_id)
    if (
        request.method == "GET"
        and is_htmx(request)
        and not can(actor, "request.rating_view", client_request)
    ):
        return HttpResponse("")  # the request page's panel stays empty for them
    require(actor, "request.rating_view", client_request, request=request)
    form, status, saved = None, 200, False
    if request.method == "POST":
        require(actor, "request.rate", client_request, request=request)
        form = RatingForm(request.POST, auto_id="rating-%s")
        if form.is_valid():
            try:
                rating_give(
                    client_request=client_request,
                    actor=actor.user,
                    score=form.cleaned_data["score"],
                    comment=form.cleaned_data["comment"],
                    via=Via.PORTAL,
                    request=request,
                )
                saved = True
            except ValidationError as error:
                _form_errors(form, error)
        if saved:
            form = None
            if not is_htmx(request):
                messages.success(request, "Thank you, your rating is saved.")
                return redirect(rating_path(client_request.pk))
        elif not is_htmx(request):
            status = 400  # the page with the form's errors; htmx would not swap a 400 in
    state = rating_state(actor, client_request)
    rating = state["rating"]
    if form is None and state["can_rate"]:
        initial = {"score": rating.score, "comment": rating.comment} if rating else {}
        form = RatingForm(initial=initial, auto_id="rating-%s")
    context = {
        "actor": actor,
        "client_request": client_request,
        "form": form,
        "change_days": CHANGE_DAYS,
        "scoped": session_scope(request) is not None,
        "saved": saved,
        **state,
    }
    template = "satisfaction/rating.html"
    if is_htmx(request):
        template += "#panel"
    return render(request, template, context, status=status)


def _refused(request, reason: str):
    status, message = REFUSALS[reason]
    context = {"reason": reason, "message": message}
    return render(request, "notifications/link_refused.html", context, status=status)


def link_open(request, token, score):
    """The survey email's link for one answer: GET asks for the click, POST records it."""
    if score not in Score.values:
        raise Http404("No such answer.")
    try:
        link = action_link_for(token)
    except LinkRefused as refused:
        return _refused(request, refused.reason)
    client_request = ClientRequest.objects.filter(pk=link.object_id).first()
    if client_request is None or link.path != rating_path(client_request.pk):
        return _refused(request, "unknown")  # another kind of link: it does not rate
    full_session = request.user.is_authenticated and session_scope(request) is None
    if request.user.is_authenticated and request.user.pk != link.user_id:
        return _refused(request, "other_person")
    form = LinkRatingForm(request.POST or None, initial={"score": score}, auto_id="link-%s")
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            rating_give(
                client_request=client_request,
                actor=link.user,
                score=form.cleaned_data["score"],
                via=Via.EMAIL,
                request=request,
            )
        except ValidationError as error:
            _form_errors(form, error)
            status = 400
        else:
            action_link_used(link=link, request=request)
            if full_session:
                return HttpResponseRedirect(link.path)
            if has_two_factor(link.user) or two_factor_setup_required(link.user):
                # Recorded; a comment needs the second factor too, as any page does.
                messages.success(request, "Thank you for your rating. Sign in to add a comment.")
                return redirect(f"{reverse('accounts:login')}?{urlencode({'next': link.path})}")
            session_scope_begin(request, link)
            messages.success(request, "Thank you for your rating.")
            return HttpResponseRedirect(link.path)
    elif request.method == "POST":
        status = 400
    context = {"link": link, "client_request": client_request, "form": form, "score": score}
    return render(request, "satisfaction/link_confirm.html", context, status=status)
