from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db.models import Sum
from django.utils import timezone

from shared_apps.core.tasks import enqueue_on_commit
from tenant_apps.files.models import FilePreview, PreviewState, StoredFile
from tenant_apps.files.previews import TEXT_MAX_CHARS


def storage_used() -> int:
    """Bytes of every stored file of the agency, in any feature (billing's storage limit)."""
    return StoredFile.objects.aggregate(total=Sum("size"))["total"] or 0


@dataclass(frozen=True)
class Preview:
    """A file's preview as pages and the API show it. ``status``: "pending" (not made yet),
    "pages" (page images at ``page_urls``), "text", or "none" (download it instead)."""

    status: str
    page_urls: list[str] = field(default_factory=list)
    page_count: int = 0  # pages in the file; more than page_urls when capped
    text: str = ""

    @property
    def more_pages(self) -> int:
        return max(self.page_count - len(self.page_urls), 0)


def file_preview(
    stored_file: StoredFile,
    *,
    page_url: Callable[[int], str],
    text: str = "",
    has_text: bool | None = None,
) -> Preview:
    """How ``stored_file`` can be previewed; page ``n``'s image is served at ``page_url(n)``
    by a route that checks access as the file's download does. ``text`` (extracted by the
    owning feature, say from an Office document) is shown when there is no picture;
    ``has_text`` says there is some without loading it (the API shows no text)."""
    try:
        preview = stored_file.preview  # no query when selected with the file
    except FilePreview.DoesNotExist:
        _requeue_if_lost(stored_file)
        return Preview("pending")
    if preview.state == PreviewState.READY and preview.pages:
        urls = [page_url(number) for number in range(1, preview.pages + 1)]
        return Preview("pages", page_urls=urls, page_count=preview.page_count)
    if preview.state == PreviewState.READY and preview.text:
        return Preview("text", text=preview.text)
    if has_text if has_text is not None else bool(text.strip()):
        return Preview("text", text=text[:TEXT_MAX_CHARS])
    return Preview("none")


# Past this, a file without a preview lost its task (a broker outage, a file stored before
# previews existed): asking for its preview queues it again, at most once per REQUEUE_EVERY.
LOST_AFTER = timedelta(minutes=2)
REQUEUE_EVERY = 60  # seconds


def _requeue_if_lost(stored_file: StoredFile) -> None:
    if stored_file.created_at > timezone.now() - LOST_AFTER:
        return
    if cache.add(f"files:preview-requeued:{stored_file.pk}", True, REQUEUE_EVERY):
        enqueue_on_commit("tenant_apps.files.tasks.file_preview_make", stored_file.pk)


def preview_page(stored_file: StoredFile, number: int) -> bool:
    """Whether ``stored_file`` has a preview page ``number``."""
    return (
        FilePreview.objects.filter(
            file=stored_file, state=PreviewState.READY, pages__gte=number
        ).exists()
        and number >= 1
    )
