from django.db.models import Q, QuerySet

from shared_apps.accounts.models import User
from tenant_apps.kit.access import Actor


def people_visible(actor: Actor) -> QuerySet[User]:
    """The people ``actor`` sees in the team and client pages, memberships loaded (what the
    erase rule reads); anyone else is not found. Erased people have no membership left."""
    people = User.objects.select_related("team_member", "client_member__company")
    if actor.is_team:
        ids = actor.visible_company_ids
        clients = Q(client_member__isnull=False)
        if ids is not None:
            clients = Q(client_member__company_id__in=ids)
        return people.filter(Q(team_member__isnull=False) | clients)
    if actor.is_client:
        return people.filter(client_member__company_id=actor.client.company_id)
    return people.none()
