"""What billing tells the agency side, which billing never imports (tenant apps listen)."""

from django.dispatch import Signal

# The agency's subscription changed plan or status (Stripe's webhook, the owner's return
# from Checkout, a sync). Sent inside the transaction that saved it, so what receivers write
# commits or rolls back with it, on whichever host it happens. Keyword arguments: ``agency``,
# ``subscription`` and ``changes`` ({field: [before, after]}).
subscription_changed = Signal()

# A verified Connect event (one with an ``account``) for an agency's connected account, sent
# inside the transaction that records the event id, so the receivers' effect commits with it
# exactly once. Keyword arguments: ``agency`` and ``event``. Receivers work in the agency's
# schema and re-read from Stripe what the event names; they return a short outcome word.
connect_event = Signal()

# The connected account's state changed (onboarding finished, restricted, enabled again).
# Keyword arguments: ``agency``, ``account`` and ``changes`` ({field: [before, after]}).
connect_account_changed = Signal()
