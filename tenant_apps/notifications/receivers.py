from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from tenant_apps.notifications.links import session_scope_end


@receiver(user_logged_in)
def full_sign_in_lifts_link_scope(sender, request, user, **kwargs):
    if request is not None:
        session_scope_end(request)
