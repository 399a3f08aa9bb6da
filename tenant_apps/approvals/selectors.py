"""Reads for approvals: what each person may see, and who may be asked."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from shared_apps.accounts.models import User
from tenant_apps.approvals.models import (
    ApprovalApprover,
    ApprovalDecision,
    ApprovalRequest,
    ApprovalStatus,
)
from tenant_apps.documents.models import DocumentVersion
from tenant_apps.invoices.models import Invoice
from tenant_apps.invoices.selectors import visible_invoices
from tenant_apps.kit.access import APPROVER_ROLES, Actor, can
from tenant_apps.kit.samples import Sample, sample
from tenant_apps.people.models import ClientCompany


def visible_approvals(actor: Actor) -> QuerySet[ApprovalRequest]:
    """Approvals ``actor`` may see (as the policy's approval.view rule), with what a row shows.

    Client people see their company's, never one on an internal document; an invoice's only
    if they may see the invoice or were asked about it.
    """
    approvals = ApprovalRequest.objects.select_related(
        "company", "version__document", "version__file", "invoice__pdf", "requested_by"
    )
    ids = actor.visible_company_ids
    if ids is not None:
        approvals = approvals.filter(company_id__in=ids)
    if not actor.is_client:
        return approvals
    asked = ApprovalApprover.objects.filter(approval=OuterRef("pk"), user=actor.user)
    return approvals.exclude(version__document__is_internal=True).filter(
        Q(invoice__isnull=True)
        | Exists(asked)
        | Q(invoice__in=visible_invoices(actor).values("pk"))
    )


def _waiting_on(user):
    """True for a pending approval that asks ``user``, who has not decided yet."""
    asked = ApprovalApprover.objects.filter(approval=OuterRef("pk"), user=user)
    decided = ApprovalDecision.objects.filter(approval=OuterRef("pk"), decided_by=user)
    return Exists(asked) & ~Exists(decided) & Q(status=ApprovalStatus.PENDING)


def approval_rows(actor: Actor, approvals: QuerySet[ApprovalRequest]) -> QuerySet:
    """``approvals`` with the counts a list shows, and whether each is waiting on ``actor``."""
    return approvals.annotate(
        approver_count=Count("approver_links", distinct=True),
        decision_count=Count("decisions", distinct=True),
        waiting_on_me=_waiting_on(actor.user),
    )


def waiting_on(approvals: QuerySet[ApprovalRequest], user) -> QuerySet[ApprovalRequest]:
    return approvals.filter(_waiting_on(user))


def overdue(approvals: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    return approvals.filter(status=ApprovalStatus.PENDING, due_date__lt=timezone.localdate())


def pending_approvals_for_company(actor: Actor, company: ClientCompany, *, limit: int) -> Sample:
    """``company``'s pending approvals that ``actor`` sees, the longest waiting first, with how
    many are overdue (one query)."""
    pending = visible_approvals(actor).filter(company=company, status=ApprovalStatus.PENDING)
    return sample(
        pending.order_by("created_at", "id"),
        limit,
        overdue=Q(due_date__lt=timezone.localdate()),
    )


def approval_with_decisions(approvals: QuerySet[ApprovalRequest]) -> QuerySet[ApprovalRequest]:
    """``approvals`` with their approvers and decisions (and decisions' log entries) loaded."""
    return approvals.select_related("replaces", "request_entry").prefetch_related(
        Prefetch("approver_links", ApprovalApprover.objects.select_related("user").order_by("id")),
        Prefetch(
            "decisions",
            ApprovalDecision.objects.select_related("decided_by", "activity_entry"),
        ),
        Prefetch("rerequests", ApprovalRequest.objects.order_by("id")),
    )


def approver_candidates(company: ClientCompany) -> QuerySet[User]:
    """The people who may be asked to approve for ``company``: its approvers and admins."""
    return User.objects.filter(
        is_active=True,
        client_member__company=company,
        client_member__role__in=APPROVER_ROLES,
    ).order_by("full_name", "email")


def version_for(actor: Actor, version_id: int) -> DocumentVersion | None:
    """A document version whose document ``actor`` may see, or None."""
    version = (
        DocumentVersion.objects.select_related("document__company", "file")
        .filter(pk=version_id)
        .first()
    )
    if version is None or not can(actor, "document.view", version.document):
        return None
    return version


def invoice_for(actor: Actor, invoice_id: int) -> Invoice | None:
    """An invoice ``actor`` may see, or None."""
    invoice = Invoice.objects.select_related("company", "pdf").filter(pk=invoice_id).first()
    if invoice is None or not can(actor, "invoice.view", invoice):
        return None
    return invoice
