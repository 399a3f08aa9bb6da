"""The agency's side of signup, which the public core announces and cannot import."""

from django.dispatch import receiver

from shared_apps.signup.signals import agency_signed_up
from tenant_apps.people.actions import team_owner_create


@receiver(agency_signed_up, dispatch_uid="people.owner_from_signup")
def owner_from_signup(sender, *, owner, request=None, **kwargs):
    team_owner_create(user=owner, request=request)
