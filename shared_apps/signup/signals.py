from django.dispatch import Signal

# Sent by agency_signup once the owner's User row exists, inside its transaction and the new
# agency's schema, with ``agency``, ``owner`` and ``request`` (None outside a web request).
# The agency side makes the owner a member (tenant_apps.people.receivers); a receiver that
# raises undoes the whole signup.
agency_signed_up = Signal()
