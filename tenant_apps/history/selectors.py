from django.db.models import QuerySet

from tenant_apps.activity.models import ActivityEntry
from tenant_apps.kit.access import Actor, can


def activity_visible_to(actor: Actor) -> QuerySet[ActivityEntry]:
    """The whole log for those the policy lets see it all, otherwise only the actor's own."""
    entries = ActivityEntry.objects.select_related("actor", "company")
    if can(actor, "activity.view_all"):
        return entries
    return entries.filter(actor=actor.user)
