from django.dispatch import Signal

# Sent by agency_restore inside its transaction, with the agency's schema active, once every
# row and file is back: receivers bring the copy up to what was decided since the backup was
# taken (tenant_apps.erasure erases again the people erased since). kwargs: agency.
agency_restored = Signal()
