from collections.abc import Callable
from dataclasses import dataclass, field

from django.db.models import Sum

from tenant_apps.files.models import FilePreview, PreviewState, StoredFile


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
    stored_file: StoredFile, *, page_url: Callable[[int], str], text: str = ""
) -> Preview:
    """How ``stored_file`` can be previewed; page ``n``'s image is served at ``page_url(n)``
    by a route that checks access as the file's download does. ``text`` (extracted by the
    owning feature, say from an Office document) is shown when there is no picture."""
    preview = FilePreview.objects.filter(file=stored_file).first()
    if preview is None:
        return Preview("pending")
    if preview.state == PreviewState.READY and preview.pages:
        urls = [page_url(number) for number in range(1, preview.pages + 1)]
        return Preview("pages", page_urls=urls, page_count=preview.page_count)
    shown = preview.text if preview.state == PreviewState.READY else text
    return Preview("text", text=shown) if shown.strip() else Preview("none")


def preview_page(stored_file: StoredFile, number: int) -> bool:
    """Whether ``stored_file`` has a preview page ``number``."""
    return (
        FilePreview.objects.filter(
            file=stored_file, state=PreviewState.READY, pages__gte=number
        ).exists()
        and number >= 1
    )
