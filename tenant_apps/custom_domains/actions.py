"""An agency's own domains: add, check, make primary, remove. Named actions, each logged.

A claim (CustomDomain) routes only once verified, when verification adds the Domain row
the host router reads; every Domain change clears the host cache (tenants.signals).
Call these inside the agency's schema (a request on its host, or a task it queued): the
activity log they write is the agency's.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from billing.limits import PlanLimitReached, custom_domain_check
from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.activity.actions import activity_record
from tenant_apps.custom_domains.audit import DomainAudit
from tenant_apps.custom_domains.dns_check import DnsProblem, check_domain_dns
from tenants.models import CustomDomain, Domain, DomainStatus
from tenants.validators import clean_custom_domain

MAX_DOMAINS_PER_AGENCY = 10
# A check asked for again within this long is the same check (a double click, a retry).
RECHECK_GAP = timedelta(seconds=30)


def taken_message(name: str) -> str:
    return (
        f"{name} is already connected to another portal. If it's yours, remove it there "
        "first, or contact support."
    )


def domain_validate_new(*, agency, name: str) -> str:
    """``name`` cleaned, if ``agency`` may add it; ValidationError({"name": ...}) otherwise."""
    try:
        name = clean_custom_domain(name)
    except ValidationError as error:
        raise ValidationError({"name": error.messages}) from None
    try:
        custom_domain_check(agency)
    except PlanLimitReached as refused:
        raise ValidationError({"name": refused.messages}) from None
    claims = CustomDomain.objects.filter(name=name)
    if claims.filter(agency=agency).exists():
        raise ValidationError({"name": f"You've already added {name}."})
    if (
        claims.filter(status=DomainStatus.VERIFIED).exists()
        or Domain.objects.filter(domain=name).exists()
    ):
        raise ValidationError({"name": taken_message(name)})
    if CustomDomain.objects.filter(agency=agency).count() >= MAX_DOMAINS_PER_AGENCY:
        raise ValidationError(
            {"name": f"A portal can have up to {MAX_DOMAINS_PER_AGENCY} domains; remove one first."}
        )
    return name


def domain_add(*, agency, name: str, actor, request=None) -> CustomDomain:
    """Claim ``name`` for ``agency`` with a fresh TXT token, and queue its first DNS check."""
    name = domain_validate_new(agency=agency, name=name)
    try:
        with transaction.atomic():
            domain = CustomDomain.objects.create(
                agency=agency, name=name, token=secrets.token_hex(16)
            )
            activity_record(
                action=DomainAudit.DOMAIN_ADDED,
                actor=actor,
                target=domain,
                changes={"domain": name},
                request=request,
            )
            _queue_check(domain)
    except IntegrityError:  # the same name added a moment ago, in another request
        raise ValidationError({"name": f"You've already added {name}."}) from None
    return domain


def domain_check_request(*, domain: CustomDomain) -> bool:
    """Queue a DNS check of ``domain`` unless one was queued moments ago; True if queued."""
    if domain.status == DomainStatus.VERIFIED:
        return False
    with transaction.atomic():
        domain = CustomDomain.objects.select_for_update().get(pk=domain.pk)
        if domain.is_checking and domain.check_queued_at > timezone.now() - RECHECK_GAP:
            return False
        _queue_check(domain)
    return True


def _queue_check(domain: CustomDomain) -> None:
    domain.check_queued_at = timezone.now()
    domain.save(update_fields=["check_queued_at"])
    enqueue_on_commit("tenant_apps.custom_domains.tasks.domain_check", domain.pk)


def domain_check_run(*, domain_id: int) -> CustomDomain | None:
    """Check the DNS of one of the current agency's domains; verify it if all is in place.

    Idempotent: a verified domain is left alone, and two runs at once verify it once (the
    row lock, and the unique constraints behind it).
    """
    domain = CustomDomain.objects.filter(pk=domain_id, agency_id=connection.tenant.pk).first()
    if domain is None or domain.status == DomainStatus.VERIFIED:
        return domain
    try:
        check_domain_dns(domain.name, domain.token)  # network: outside any transaction
        failure = ""
    except DnsProblem as problem:
        failure = str(problem)
    with transaction.atomic():
        domain = CustomDomain.objects.select_for_update().get(pk=domain.pk)
        if domain.status == DomainStatus.VERIFIED:
            return domain
        domain.checked_at = timezone.now()
        if not failure:
            failure = _verify(domain)
        if failure:
            domain.status, domain.failure = DomainStatus.FAILED, failure[:500]
            domain.save(update_fields=["status", "failure", "checked_at"])
    return domain


def _verify(domain: CustomDomain) -> str:
    """Mark ``domain`` verified and routable; the reason it can't be, if another agency has it."""
    try:
        with transaction.atomic():
            domain.status, domain.failure = DomainStatus.VERIFIED, ""
            domain.verified_at = timezone.now()
            domain.save(update_fields=["status", "failure", "verified_at", "checked_at"])
            Domain.objects.create(domain=domain.name, tenant_id=domain.agency_id, is_primary=False)
            activity_record(
                action=DomainAudit.DOMAIN_VERIFIED, target=domain, changes={"domain": domain.name}
            )
    except IntegrityError:  # verified by another agency first
        domain.status, domain.verified_at = DomainStatus.FAILED, None
        return taken_message(domain.name)
    return ""


def _routing_row(domain: CustomDomain) -> Domain | None:
    return Domain.objects.filter(domain=domain.name, tenant_id=domain.agency_id).first()


def _subdomain_row(agency) -> Domain:
    return Domain.objects.get(
        domain=f"{agency.subdomain}.{settings.PLATFORM_DOMAIN}", tenant_id=agency.pk
    )


def domain_make_primary(*, domain: CustomDomain, actor, request=None) -> None:
    """Serve the portal at ``domain``: its other addresses redirect there."""
    if domain.status != DomainStatus.VERIFIED:
        raise ValidationError(
            {"domain": f"{domain.name} isn't verified yet; only a verified domain can be primary."}
        )
    with transaction.atomic():
        routing = _routing_row(domain)
        routing.is_primary = True
        routing.save()  # DomainMixin.save drops the flag from the agency's other domains
        activity_record(
            action=DomainAudit.DOMAIN_MADE_PRIMARY,
            actor=actor,
            target=domain,
            changes={"primary": domain.name},
            request=request,
        )


def domain_primary_reset(*, agency, actor, request=None) -> None:
    """Serve the portal at its platform subdomain again."""
    with transaction.atomic():
        routing = _subdomain_row(agency)
        if routing.is_primary:
            return
        routing.is_primary = True
        routing.save()
        activity_record(
            action=DomainAudit.DOMAIN_MADE_PRIMARY,
            actor=actor,
            changes={"primary": routing.domain},
            request=request,
        )


def domain_remove(*, domain: CustomDomain, actor, request=None) -> None:
    """Stop serving and forget ``domain``; if it was primary, the subdomain is again."""
    with transaction.atomic():
        routing = _routing_row(domain)
        if routing is not None:
            was_primary = routing.is_primary
            routing.delete()
            if was_primary:
                subdomain = _subdomain_row(domain.agency)
                subdomain.is_primary = True
                subdomain.save()
        activity_record(
            action=DomainAudit.DOMAIN_REMOVED,
            actor=actor,
            target=domain,
            changes={"domain": domain.name},
            request=request,
        )
        domain.delete()
