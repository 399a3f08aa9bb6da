"""What billing tells the agency side, which billing never imports (tenant apps listen)."""

from django.dispatch import Signal

# The agency's subscription changed plan or status (Stripe's webhook, the owner's return
# from Checkout, a sync). Sent inside the transaction that saved it, so what receivers write
# commits or rolls back with it, on whichever host it happens. Keyword arguments: ``agency``,
# ``subscription`` and ``changes`` ({field: [before, after]}).
subscription_changed = Signal()
