"""Signals other apps hang on without the document hub importing them."""

from django.dispatch import Signal

# Sent inside the transaction that adds a version (not for a document's first one), with
# ``version`` (the new DocumentVersion) and ``actor``. Approvals supersede pending requests
# on older versions.
version_added = Signal()
