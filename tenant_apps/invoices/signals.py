from django.dispatch import Signal

# Sent inside the transaction that gives a draft invoice a new PDF (its lines changed and it
# was rendered again, or another PDF was uploaded), with ``invoice`` and ``actor``: whatever
# rests on the old bytes (an approval bound to their SHA-256) can follow in the same commit.
pdf_replaced = Signal()
