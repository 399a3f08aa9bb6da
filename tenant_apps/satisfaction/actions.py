"""Every write to ratings and surveys: each in a transaction, each in the activity log."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tenant_apps.activity.actions import activity_record
from tenant_apps.client_requests.models import ClientRequest, Status
from tenant_apps.notifications.kinds import LinkAction
from tenant_apps.notifications.models import ActionLink
from tenant_apps.people.models import ClientMember
from tenant_apps.satisfaction.audit import SatisfactionAudit
from tenant_apps.satisfaction.models import (
    CHANGE_DAYS,
    COMMENT_MAX_LENGTH,
    LINK_DAYS,
    Rating,
    Score,
    Via,
)
from tenant_apps.security.link_secrets import link_secret_new

RATED_STATUSES = (Status.RESOLVED, Status.CLOSED)
KEEP = object()  # rating_give: leave the comment as it is


def _refusals(client_request: ClientRequest, *, score, comment) -> dict:
    refusals = {}
    if score not in Score.values:
        refusals["score"] = "Choose good, okay or bad."
    if comment is not KEEP and len(comment) > COMMENT_MAX_LENGTH:
        refusals["comment"] = f"Keep the comment to {COMMENT_MAX_LENGTH} characters."
    if client_request.status not in RATED_STATUSES:
        refusals["score"] = "You can rate a request once it is resolved."
    return refusals


def rating_give(
    *, client_request: ClientRequest, actor, score, comment=KEEP, via=Via.PORTAL, request=None
) -> Rating:
    """The asker's rating of their resolved request: the first answer, or a change within
    CHANGE_DAYS of it (then the rating is final). Only the client who asked may rate: never
    the team, nor another of the company's people. Returns the rating as saved."""
    if (
        client_request.created_by_id != actor.pk
        or not ClientMember.objects.filter(
            user=actor, company_id=client_request.company_id
        ).exists()
    ):
        raise PermissionDenied("request.rate")
    refusals = _refusals(client_request, score=score, comment=comment)
    if refusals:
        raise ValidationError(refusals)
    with transaction.atomic():
        rating = Rating.objects.select_for_update().filter(request=client_request).first()
        now = timezone.now()
        if rating is None:
            rating = Rating.objects.create(
                request=client_request,
                rated_by=actor,
                score=score,
                comment="" if comment is KEEP else comment,
                via=via,
                first_answered_at=now,
                answered_at=now,
            )
            changes = {"score": score, "via": via}
            if rating.comment:
                changes["comment"] = rating.comment
            activity_record(
                action=SatisfactionAudit.RATING_GIVEN,
                actor=actor,
                target=client_request,
                changes=changes,
                request=request,
            )
            return rating
        if rating.is_final(now):
            raise ValidationError(
                {
                    "score": f"A rating can be changed for {CHANGE_DAYS} days after the first "
                    "answer; this one is final."
                },
                code="rating_final",
            )
        changes = {}
        if score != rating.score:
            changes["score"] = [rating.score, score]
            rating.score = score
        if comment is not KEEP and comment != rating.comment:
            changes["comment"] = [rating.comment, comment]
            rating.comment = comment
        if not changes:
            return rating
        rating.via, rating.answered_at, rating.rated_by = via, now, actor
        rating.save(update_fields=["score", "comment", "via", "answered_at", "rated_by"])
        activity_record(
            action=SatisfactionAudit.RATING_CHANGED,
            actor=actor,
            target=client_request,
            changes=changes | {"via": via},
            request=request,
        )
        return rating


def rating_path(client_request_id: int) -> str:
    return reverse("satisfaction:rating", args=[client_request_id])


def survey_sent_for(client_request: ClientRequest, recipient) -> bool:
    """Whether the survey of the request's current resolution went out: its link exists."""
    return ActionLink.objects.filter(
        user=recipient,
        path=rating_path(client_request.pk),
        created_at__gte=client_request.resolved_at,
    ).exists()


def survey_link_create(*, client_request: ClientRequest, recipient) -> str:
    """The single-purpose link of the survey email (one person, this request's rating page,
    LINK_DAYS), which also records that the survey went; returns its secret. Call it inside
    the transaction that sends the email."""
    secret, digest = link_secret_new()
    now = timezone.now()
    ActionLink.objects.create(
        user=recipient,
        action=LinkAction.VIEW,
        object_type=client_request._meta.label_lower,
        object_id=str(client_request.pk),
        object_label=f"rating of {client_request}"[:200],
        path=rating_path(client_request.pk),
        secret_digest=digest,
        created_at=now,
        expires_at=now + timedelta(days=LINK_DAYS),
    )
    activity_record(
        action=SatisfactionAudit.SURVEY_SENT,
        target=client_request,
        changes={"recipient": recipient.email},
    )
    return secret
