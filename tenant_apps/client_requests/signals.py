"""What apps above this one follow without this app importing them."""

from django.dispatch import Signal

# Sent by the SLA sweep (tasks.sla_sweep_agency), inside its transaction, when a request is
# first found at risk ("at_risk") or breached ("breached"): kind=, request_id=. A later sweep
# may find a breach again (its alert is recorded by the email it sends): receivers keep their
# own once. (Webhooks.)
sla_alerted = Signal()

# Sent inside the transaction that moves a request to resolved, with ``client_request`` and
# ``actor``. (Satisfaction's survey.)
request_resolved = Signal()
