from django.dispatch import Signal

# Sent inside the transaction that moves a request to resolved, with ``client_request`` and
# ``actor``: apps above this one (satisfaction's survey) follow it without being imported.
request_resolved = Signal()
