"""What other apps may hook into without this app knowing them (webhooks connects here)."""

from django.dispatch import Signal

# Sent by the SLA sweep (tasks.sla_sweep_agency), inside its transaction, when a request is
# first found at risk ("at_risk") or breached ("breached"): kind=, request_id=. A later sweep
# may find a breach again (its alert is recorded by the email it sends): receivers keep their
# own once.
sla_alerted = Signal()
