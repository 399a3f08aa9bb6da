from django.db.models import QuerySet

from tenant_apps.activity.descriptions import Reader
from tenant_apps.activity.models import ActivityEntry
from tenant_apps.kit import words
from tenant_apps.kit.access import Actor, can


def activity_visible_to(actor: Actor) -> QuerySet[ActivityEntry]:
    """The whole log for those the policy lets see it all, otherwise only the actor's own."""
    entries = ActivityEntry.objects.select_related("actor", "company")
    if can(actor, "activity.view_all"):
        return entries
    return entries.filter(actor=actor.user)


def reader_for(actor: Actor) -> Reader:
    """How ``actor`` reads the log: their side, the agency's words, the items they may open."""
    brand = words.agency_words()
    return Reader(
        actor,
        is_client=actor.is_client,
        words={
            "client": brand.client_word,
            "clients": brand.clients_word,
            "request": brand.request_word,
            "requests": brand.requests_word,
        },
    )
