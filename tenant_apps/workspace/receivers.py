"""The agency's welcome, on the signup the public core announces and cannot import."""

from django.dispatch import receiver

from shared_apps.core.tasks import enqueue_on_commit
from shared_apps.signup.signals import agency_signed_up


@receiver(agency_signed_up, dispatch_uid="workspace.welcome_on_signup")
def welcome_on_signup(sender, *, owner, **kwargs):
    # After commit: a signup that fails at a later step sends nothing.
    enqueue_on_commit("tenant_apps.workspace.tasks.welcome_email_send", owner.pk)
