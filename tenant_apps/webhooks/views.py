"""Webhook settings: the agency's endpoints, each with its delivery log. Owners and admins.

A secret is shown once, in the answer to the post that made it (registering the endpoint or
rotating its secret); after that only its first and last characters are.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from tenant_apps.kit.access import actor_for, permission_required
from tenant_apps.people.selectors import visible_companies
from tenant_apps.webhooks import actions
from tenant_apps.webhooks.forms import EndpointForm, RotateForm
from tenant_apps.webhooks.models import Delivery, Endpoint
from tenant_apps.webhooks.selectors import delivery_log, endpoints
from tenant_apps.webhooks.signing import SIGNATURE_HEADER

LOG_PAGE_SIZE = 25


def _posted(request):
    return request.POST if request.method == "POST" else None


def _endpoint_fields(form: EndpointForm) -> dict:
    fields = ("url", "event_types", "description", "company")
    return {name: form.cleaned_data[name] for name in fields}


def _companies(request):
    return visible_companies(actor_for(request))


def _endpoint_page(request, endpoint, *, form=None, new_secret=""):
    page = Paginator(delivery_log(endpoint), LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    initial = {
        "url": "" if endpoint.is_slack else endpoint.url,
        "description": endpoint.description,
        "company": endpoint.company_id,
        "event_types": endpoint.event_types,
        "is_active": endpoint.is_active,
    }
    companies = _companies(request)
    context = {
        "endpoint": endpoint,
        "form": form or EndpointForm(initial=initial, companies=companies, endpoint=endpoint),
        "rotate_form": RotateForm(),
        "page": page,
        "new_secret": new_secret,
        "signature_header": SIGNATURE_HEADER,
    }
    return render(request, "webhooks/endpoint.html", context)


@permission_required("webhooks.manage")
def endpoint_list(request):
    form = EndpointForm(_posted(request), companies=_companies(request))
    if request.method == "POST" and form.is_valid():
        try:
            endpoint = actions.endpoint_create(
                **_endpoint_fields(form),
                kind=form.cleaned_data["kind"],
                actor=actor_for(request).user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            if endpoint.is_slack:
                messages.success(request, "Slack channel connected. Send a test message below.")
                return redirect("webhooks:detail", endpoint.pk)
            return _endpoint_page(request, endpoint, new_secret=endpoint.secret)
    context = {"endpoints": endpoints(), "form": form, "signature_header": SIGNATURE_HEADER}
    return render(request, "webhooks/list.html", context)


@permission_required("webhooks.manage")
def endpoint_detail(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    if request.method != "POST":
        return _endpoint_page(request, endpoint)
    form = EndpointForm(request.POST, companies=_companies(request), endpoint=endpoint)
    if form.is_valid():
        fields = _endpoint_fields(form)
        fields["url"] = fields["url"] or endpoint.url  # a Slack URL left blank stays
        try:
            actions.endpoint_update(
                endpoint=endpoint,
                **fields,
                is_active=form.cleaned_data["is_active"],
                actor=actor_for(request).user,
                request=request,
            )
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            messages.success(request, "Webhook saved.")
            return redirect("webhooks:detail", endpoint.pk)
    return _endpoint_page(request, endpoint, form=form)


@require_POST
@permission_required("webhooks.manage")
def endpoint_rotate(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    form = RotateForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how long the current secret keeps working.")
        return redirect("webhooks:detail", endpoint.pk)
    actions.endpoint_secret_rotate(
        endpoint=endpoint,
        grace_hours=form.cleaned_data["grace_hours"],
        actor=actor_for(request).user,
        request=request,
    )
    return _endpoint_page(request, endpoint, new_secret=endpoint.secret)


@require_POST
@permission_required("webhooks.manage")
def endpoint_delete(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    actions.endpoint_delete(endpoint=endpoint, actor=actor_for(request).user, request=request)
    messages.success(request, f"Webhook to {endpoint.url_hint} deleted.")
    return redirect("webhooks:list")


@require_POST
@permission_required("webhooks.manage")
def endpoint_ping(request, endpoint_id):
    endpoint = get_object_or_404(Endpoint, pk=endpoint_id)
    actions.endpoint_ping(endpoint=endpoint, actor=actor_for(request).user, request=request)
    messages.success(request, "A test event is on its way; its delivery shows below.")
    return redirect("webhooks:detail", endpoint.pk)


@require_POST
@permission_required("webhooks.manage")
def delivery_retry(request, endpoint_id, delivery_id):
    delivery = get_object_or_404(
        Delivery.objects.select_related("endpoint"), pk=delivery_id, endpoint_id=endpoint_id
    )
    try:
        actions.delivery_retry(delivery=delivery, actor=actor_for(request).user, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Trying that delivery again now.")
    return redirect("webhooks:detail", endpoint_id)
