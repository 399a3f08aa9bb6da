from django.db import transaction

from shared_apps.accounts.models import User
from tenant_apps.activity.actions import activity_record
from tenant_apps.people.models import TeamMember, TeamRole


def team_owner_create(*, email, full_name, password_hash, request=None) -> User:
    """Create the agency's first owner. ``password_hash`` is pre-computed by the caller."""
    with transaction.atomic():
        user = User.objects.create(email=email.lower(), full_name=full_name, password=password_hash)
        TeamMember.objects.create(user=user, role=TeamRole.OWNER)
        activity_record(
            action="team.owner_created",
            actor=user,
            target=user,
            request=request,
            changes={"role": [None, TeamRole.OWNER]},
        )
        return user
