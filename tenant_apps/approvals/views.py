"""Approval pages: the list, asking (from a document version or an invoice), one approval
with its decisions and decision form, asking again, cancelling, and the exports.

The decision form posts with htmx and gets back the parts it changes (partials of
detail.html); without htmx the same route redirects or re-renders the page.
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from tenant_apps.approvals import actions
from tenant_apps.approvals.export import record_response
from tenant_apps.approvals.forms import (
    ApprovalFilterForm,
    ApprovalRequestForm,
    DecisionForm,
    RerequestForm,
    add_refusal,
)
from tenant_apps.approvals.models import ApprovalRequest
from tenant_apps.approvals.selectors import (
    approval_rows,
    approval_with_decisions,
    invoice_for,
    overdue,
    version_for,
    visible_approvals,
    waiting_on,
)
from tenant_apps.files.responses import file_download_response
from tenant_apps.kit.access import actor_for, can, permission_required, require
from tenant_apps.kit.htmx import is_htmx, list_template

PAGE_SIZE = 25


def _query(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


# The list


@permission_required("workspace.use")
def approval_list(request):
    actor = actor_for(request)
    form = ApprovalFilterForm(request.GET, actor=actor)
    visible = visible_approvals(actor)
    if form.is_valid():
        approvals, status = form.apply(visible), 200
    else:
        approvals = ApprovalRequest.objects.none()
        status = 200 if is_htmx(request) else 400
    # Newest first; said again because a query with counts drops the model's ordering.
    rows = approval_rows(actor, approvals).order_by("-created_at", "-id")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "actor": actor,
        "form": form,
        "page": page,
        "page_query": _query(request),
        # What needs attention, whatever the filters: overdue for the team, own for clients.
        "attention": (
            waiting_on(visible, actor.user) if actor.is_client else overdue(visible)
        ).count(),
    }
    template = list_template(request, "approvals/list.html", results="approval-results")
    return render(request, template, context, status=status)


# Asking


def _request_page(request, *, company, subject: dict, initial_title: str, back_url: str):
    """The "request approval" form about ``subject`` (version= or invoice=)."""
    actor = actor_for(request)
    require(actor, "approvals.request", company, request=request)
    form = ApprovalRequestForm(
        request.POST if request.method == "POST" else None,
        company=company,
        initial={"title": initial_title},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            approval = actions.approval_request(
                company=company,
                actor=actor.user,
                approvers=list(data["approvers"]),
                title=data["title"],
                message=data["message"],
                due_date=data["due_date"],
                request=request,
                **subject,
            )
        except ValidationError as refused:
            add_refusal(form, refused)
        else:
            count = len(data["approvers"])
            emailed = ngettext("%d approver emailed", "%d approvers emailed", count) % count
            messages.success(request, f"Approval requested; {emailed}.")
            return redirect("approvals:detail", approval.pk)
    context = {"form": form, "company": company, "subject": subject, "back_url": back_url}
    return render(request, "approvals/new.html", context)


@permission_required("workspace.use")
def request_for_version(request, version_id):
    version = version_for(actor_for(request), version_id)
    if version is None:
        raise Http404("No such document version.")
    document = version.document
    return _request_page(
        request,
        company=document.company,
        subject={"version": version},
        initial_title=f"Approve {document.name}, version {version.number}",
        back_url=reverse("documents:document", args=[document.pk]),
    )


@permission_required("workspace.use")
def request_for_invoice(request, invoice_id):
    invoice = invoice_for(actor_for(request), invoice_id)
    if invoice is None:
        raise Http404("No such invoice.")
    return _request_page(
        request,
        company=invoice.company,
        subject={"invoice": invoice},
        initial_title=f"Approve {invoice}",
        back_url=reverse("invoices:detail", args=[invoice.pk]),
    )


# One approval


def _visible_approval(request, approval_id) -> ApprovalRequest:
    """The approval if this person may see it at all; otherwise it does not exist (404)."""
    actor = actor_for(request)
    approval = get_object_or_404(approval_with_decisions(visible_approvals(actor)), pk=approval_id)
    require(actor, "approval.view", approval, request=request)
    return approval


def _detail_context(request, approval, **bound_forms) -> dict:
    actor = actor_for(request)
    decisions = {decision.decided_by_id: decision for decision in approval.decisions.all()}
    may_decide = (
        approval.is_pending
        and actor.user.pk not in decisions
        and can(actor, "approval.decide", approval)
    )
    manages = can(actor, "approval.manage", approval)
    context = {
        "actor": actor,
        "approval": approval,
        "approvers": [
            (link.user, decisions.get(link.user_id)) for link in approval.approver_links.all()
        ],
        "decisions": list(decisions.values()),
        "my_decision": decisions.get(actor.user.pk),
        "asked_me": actor.user.pk in approval.approver_ids,
        "manages": manages,
        "current_version": approval.version.document.current_version
        if approval.version_id
        else None,
        "subject_changed": approval.asked_file is None,
        "links_document": approval.version_id
        and can(actor, "document.view", approval.version.document),
        "links_invoice": approval.invoice_id and can(actor, "invoice.view", approval.invoice),
    }
    if may_decide:
        context["decision_form"] = DecisionForm(auto_id="decision-%s")
    if manages and not approval.is_pending:
        context["rerequest_subject"] = actions.rerequest_subject(approval)
        context["rerequest_form"] = RerequestForm(auto_id="rerequest-%s")
    return context | bound_forms


@permission_required("workspace.use")
def approval_detail(request, approval_id):
    approval = _visible_approval(request, approval_id)
    return render(request, "approvals/detail.html", _detail_context(request, approval))


@require_POST
@permission_required("workspace.use")
def approval_decide(request, approval_id):
    actor = actor_for(request)
    approval = _visible_approval(request, approval_id)
    require(actor, "approval.decide", approval, request=request)
    form = DecisionForm(request.POST, auto_id="decision-%s")
    saved = False
    if form.is_valid():
        try:
            actions.approval_decide(
                approval=approval,
                actor=actor.user,
                decision=form.cleaned_data["decision"],
                comment=form.cleaned_data["comment"],
                request=request,
            )
            saved = True
        except ValidationError as refused:
            add_refusal(form, refused)
    if saved:
        approval = _visible_approval(request, approval_id)  # as saved, with the new decision
        if not is_htmx(request):
            messages.success(request, "Your decision is recorded. Thank you.")
            return redirect("approvals:detail", approval.pk)
    context = _detail_context(request, approval, **({} if saved else {"decision_form": form}))
    if not is_htmx(request):
        return render(request, "approvals/detail.html", context, status=400)
    # The decision panel, and on success the header and decisions out of band.
    parts = ["decide", *(["header", "decisions"] if saved else [])]
    html = "".join(
        render_to_string(
            f"approvals/detail.html#{part}", context | {"oob": part != "decide"}, request=request
        )
        for part in parts
    )
    return HttpResponse(html)


def _managed(request, approval_id) -> tuple:
    """The actor and an approval they may manage: 404 if unseen, 403 if only seen."""
    actor = actor_for(request)
    approval = _visible_approval(request, approval_id)
    require(actor, "approval.manage", approval, request=request)
    return actor, approval


@require_POST
@permission_required("workspace.use")
def approval_rerequest(request, approval_id):
    actor, approval = _managed(request, approval_id)
    form = RerequestForm(request.POST, auto_id="rerequest-%s")
    if form.is_valid():
        try:
            again = actions.approval_rerequest(
                approval=approval,
                actor=actor.user,
                due_date=form.cleaned_data["due_date"],
                request=request,
            )
        except ValidationError as refused:
            add_refusal(form, refused)
        else:
            messages.success(request, f"Asked again about {again.subject_label}.")
            return redirect("approvals:detail", again.pk)
    context = _detail_context(request, approval, rerequest_form=form)
    return render(request, "approvals/detail.html", context, status=400)


@require_POST
@permission_required("workspace.use")
def approval_cancel(request, approval_id):
    actor, approval = _managed(request, approval_id)
    try:
        actions.approval_cancel(approval=approval, actor=actor.user, request=request)
    except ValidationError as refused:
        messages.error(request, " ".join(refused.messages))
    else:
        messages.success(request, "Approval cancelled; the approvers are no longer asked.")
    return redirect("approvals:detail", approval.pk)


# Files and exports


@permission_required("workspace.use")
def approval_file(request, approval_id):
    """The file asked about, for everyone who sees the approval (an approver may not see
    invoices otherwise)."""
    asked = _visible_approval(request, approval_id).asked_file
    if asked is None:
        raise Http404("The file asked about has been replaced since.")
    return file_download_response(asked)


@permission_required("workspace.use")
def approval_record_json(request, approval_id):
    return record_response(_visible_approval(request, approval_id), as_pdf=False)


@permission_required("workspace.use")
def approval_certificate_pdf(request, approval_id):
    return record_response(_visible_approval(request, approval_id), as_pdf=True)
