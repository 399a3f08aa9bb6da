from django.db.models import Q, QuerySet

from tenant_apps.kit.access import Actor, can
from tenant_apps.replies.models import SavedReply


def replies_for(actor: Actor) -> QuerySet[SavedReply]:
    """The saved replies ``actor`` may put into a reply: the team's shared ones and their own."""
    if not can(actor, "replies.use"):
        return SavedReply.objects.none()
    return SavedReply.objects.filter(Q(owner__isnull=True) | Q(owner=actor.user))


def replies_editable_by(actor: Actor) -> QuerySet[SavedReply]:
    """Their own, and the shared ones for owners and admins (the activity log links to them)."""
    if not can(actor, "replies.use"):
        return SavedReply.objects.none()
    if can(actor, "replies.share"):
        return replies_for(actor)
    return SavedReply.objects.filter(owner=actor.user)
