"""What an upload may be: a safe name, and content sniffed from its bytes against an allowlist.

Nothing trusts what the browser sent. The extension is accepted only when it agrees with what
the first bytes say the content is, markup that a browser could render is refused, and
archives (ZIP and the ZIP-based Office formats) are opened, reading only their directory, to
refuse bombs and zip slip before anything is stored.
"""

import codecs
import hashlib
import re
import stat
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from shared_apps.core.outages import STORAGE_FULL
from tenant_apps.files.storage import CHUNK_SIZE

MAX_NAME_LENGTH = 200
MAX_EXTENSION_LENGTH = 10
# Covers every signature below and the window legacy browsers sniffed for HTML (IE: 256 bytes).
HEAD_BYTES = 1024
ARCHIVE_MAX_ENTRIES = 10_000
# An archive may expand to this many times the upload limit, all entries together (and never
# beyond settings.FILE_ARCHIVE_MAX_EXPANDED_BYTES)...
ARCHIVE_EXPANSION_FACTOR = 10
# ...and once it unpacks to more than the floor, to at most this many times its packed size:
# ordinary files rarely pack better than 20:1; bombs pack at 1000:1 and more.
ARCHIVE_MAX_RATIO = 100
ARCHIVE_RATIO_FLOOR = 100 * 1024 * 1024
CONTENT_TYPES_MAX_BYTES = 1 << 20


@dataclass(frozen=True, eq=False)
class Kind:
    label: str
    content_types: dict[str, str]  # extension -> the content type it is served with
    archive: bool = False


PDF = Kind("a PDF document", {"pdf": "application/pdf"})
PNG = Kind("a PNG image", {"png": "image/png"})
JPEG = Kind("a JPEG image", {"jpg": "image/jpeg", "jpeg": "image/jpeg"})
GIF = Kind("a GIF image", {"gif": "image/gif"})
WEBP = Kind("a WebP image", {"webp": "image/webp"})
TEXT = Kind("plain text", {"txt": "text/plain; charset=utf-8", "csv": "text/csv; charset=utf-8"})
LEGACY_OFFICE = Kind(
    "a legacy Office document",
    {
        "doc": "application/msword",
        "xls": "application/vnd.ms-excel",
        "ppt": "application/vnd.ms-powerpoint",
    },
)
ZIP = Kind("a ZIP archive", {"zip": "application/zip"}, archive=True)
OPENXML = "application/vnd.openxmlformats-officedocument."
DOCX = Kind("a Word document", {"docx": OPENXML + "wordprocessingml.document"}, archive=True)
XLSX = Kind("an Excel workbook", {"xlsx": OPENXML + "spreadsheetml.sheet"}, archive=True)
PPTX = Kind(
    "a PowerPoint presentation", {"pptx": OPENXML + "presentationml.presentation"}, archive=True
)
KINDS = [PDF, PNG, JPEG, GIF, WEBP, TEXT, LEGACY_OFFICE, ZIP, DOCX, XLSX, PPTX]
ACCEPTED_EXTENSIONS = sorted(ext for kind in KINDS for ext in kind.content_types)

SIGNATURES = [
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", LEGACY_OFFICE),  # OLE compound file
    (b"PK\x03\x04", ZIP),
    (b"PK\x05\x06", ZIP),  # an empty archive
]
# The main part's content type in [Content_Types].xml tells the Office formats apart; the
# macro-enabled variants have other types, so they stay plain ZIPs and fail the extension check.
OFFICE_MAIN_PARTS = [
    (f"{OPENXML}wordprocessingml.document.main+xml".encode(), DOCX),
    (f"{OPENXML}spreadsheetml.sheet.main+xml".encode(), XLSX),
    (f"{OPENXML}presentationml.presentation.main+xml".encode(), PPTX),
]
MARKUP = re.compile(
    rb"<(?:!doctype\s+html|html|head|body|script|iframe|svg|object|embed)[\s/>]", re.IGNORECASE
)
# Markup split across two streamed chunks is caught if it is shorter than this.
MARKUP_OVERLAP = 64
MARKUP_REASON = "it contains HTML or SVG markup, which is never accepted"
PATH_SEPARATORS = re.compile(r"[/\\]")
UNSAFE_NAME_CHARACTERS = re.compile(r'[<>:"|?*]')
# Extensions that run or render somewhere (a server's handler chain, a desktop, a browser). Inside
# a name ("report.php.pdf") they lose their dot, so no later step can take the file for one.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        "apk",
        "app",
        "asp",
        "aspx",
        "bat",
        "cgi",
        "cmd",
        "com",
        "cpl",
        "dll",
        "exe",
        "hta",
        "htm",
        "html",
        "jar",
        "js",
        "jse",
        "jsp",
        "lnk",
        "msi",
        "php",
        "php3",
        "php4",
        "php5",
        "phtml",
        "pl",
        "ps1",
        "py",
        "rb",
        "reg",
        "scr",
        "sh",
        "shtml",
        "svg",
        "vb",
        "vbe",
        "vbs",
        "wsf",
        "xht",
        "xhtml",
    }
)


@dataclass(frozen=True)
class Accepted:
    name: str
    kind: Kind
    content_type: str


def refusal(name: str, reason: str, code: str) -> ValidationError:
    return ValidationError(
        '"%(name)s" was refused: %(reason)s.',
        code=code,
        params={"name": name or "unnamed file", "reason": reason},
    )


def too_large(name: str, max_bytes: int) -> ValidationError:
    return refusal(name, f"it is larger than the {filesizeformat(max_bytes)} limit", "too_large")


def storage_full(name: str) -> ValidationError:
    """The disk holding the files has no room: shown as the file's error on pages, a 507 in
    the API (by its code)."""
    return ValidationError(
        '"%(name)s" was not saved: there is no room left to store files right now. '
        "Please try again later.",
        code=STORAGE_FULL,
        params={"name": name or "unnamed file"},
    )


def _without_control_characters(text: str) -> str:
    # Category C: NUL and other controls, format characters such as the right-to-left
    # override that disguises extensions, surrogates, private use and unassigned points.
    return "".join(char for char in text if not unicodedata.category(char).startswith("C"))


def safe_file_name(raw: str) -> str:
    """A display name safe in headers, in HTML and on any desktop; "" if nothing is left.

    Only the last path component survives, so no traversal; storage never uses it anyway.
    """
    name = _without_control_characters(unicodedata.normalize("NFC", raw or ""))
    name = PATH_SEPARATORS.split(name)[-1]
    name = UNSAFE_NAME_CHARACTERS.sub("_", name)
    name = " ".join(name.split()).strip(". ")
    name = _without_inner_executable_extensions(name)
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= MAX_EXTENSION_LENGTH:
            name = stem[: MAX_NAME_LENGTH - len(extension) - 1].rstrip(". ") + "." + extension
        else:
            name = name[:MAX_NAME_LENGTH].rstrip(". ")
    return name


def _without_inner_executable_extensions(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    if not dot:
        return name
    parts = stem.split(".")
    kept = parts[0]
    for part in parts[1:]:
        kept += ("_" if part.lower() in EXECUTABLE_EXTENSIONS else ".") + part
    return f"{kept}.{extension}"


def file_extension(name: str) -> str:
    stem, dot, extension = name.rpartition(".")
    return extension.lower() if dot and stem else ""


def _is_text(head: bytes) -> bool:
    # The head may end inside a multi-byte character; the full check runs while streaming.
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        return False
    return b"\x00" not in head


def sniff(head: bytes) -> Kind | None:
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return TEXT if _is_text(head) else None


def _unsafe_member(member: zipfile.ZipInfo) -> bool:
    # orig_filename: zipfile cuts ``filename`` at a NUL, hiding what follows it.
    path = member.orig_filename.replace("\\", "/")
    return (
        path.startswith("/")
        or re.match(r"[A-Za-z]:", path) is not None
        or ".." in path.split("/")
        or _without_control_characters(path) != path
        or stat.S_ISLNK(member.external_attr >> 16)
    )


def _check_expansion(name: str, members: list[zipfile.ZipInfo], max_bytes: int) -> None:
    bound = min(ARCHIVE_EXPANSION_FACTOR * max_bytes, settings.FILE_ARCHIVE_MAX_EXPANDED_BYTES)
    expanded = sum(member.file_size for member in members)
    if expanded > bound:
        raise refusal(name, f"the archive expands to more than {filesizeformat(bound)}", "archive")
    packed = sum(member.compress_size for member in members)
    if expanded > ARCHIVE_RATIO_FLOOR and expanded > ARCHIVE_MAX_RATIO * packed:
        raise refusal(
            name,
            f"the archive expands {expanded // max(packed, 1):,} times over, to "
            f"{filesizeformat(expanded)}, as zip bombs do",
            "archive",
        )


def _archive_kind(upload, name: str, max_bytes: int) -> Kind:
    """Check an archive from its central directory and tell a ZIP from the Office formats.

    Declared sizes bound what Python's zipfile will ever inflate (it stops at them), so the
    expansion check needs no decompression; nested archives are not opened.
    """
    try:
        with zipfile.ZipFile(upload) as archive:
            members = archive.infolist()
            if len(members) > ARCHIVE_MAX_ENTRIES:
                raise refusal(
                    name, f"the archive has more than {ARCHIVE_MAX_ENTRIES} entries", "archive"
                )
            for member in members:
                if _unsafe_member(member):
                    shown = _without_control_characters(member.orig_filename)[:100]
                    raise refusal(name, f'the archive holds an unsafe path "{shown}"', "archive")
            _check_expansion(name, members, max_bytes)
            try:
                content_types = archive.getinfo("[Content_Types].xml")
            except KeyError:
                return ZIP
            if content_types.file_size > CONTENT_TYPES_MAX_BYTES:
                return ZIP
            declared = archive.read(content_types)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError):
        # RuntimeError: an encrypted entry; NotImplementedError: an unknown compression.
        raise refusal(name, "the archive is damaged or unreadable", "archive") from None
    return next((kind for marker, kind in OFFICE_MAIN_PARTS if marker in declared), ZIP)


def upload_accept(upload, *, max_bytes: int) -> Accepted:
    """Check an upload's name, declared size and first bytes; raise a refusal or say what it is.

    ``upload`` is a Django ``UploadedFile`` (or any seekable ``File``); it is left at the start.
    """
    name = safe_file_name(upload.name)
    extension = file_extension(name)
    if not extension:
        raise refusal(name, "its name has no file extension", "file_name")
    if extension not in ACCEPTED_EXTENSIONS:
        raise refusal(
            name,
            f".{extension} files are not accepted (accepted: {', '.join(ACCEPTED_EXTENSIONS)})",
            "file_type",
        )
    if upload.size > max_bytes:
        raise too_large(name, max_bytes)
    upload.seek(0)
    head = upload.read(HEAD_BYTES)
    if not head:
        raise refusal(name, "it is empty", "empty")
    kind = sniff(head)
    if kind is None:
        raise refusal(name, "its content is not an accepted file type", "file_type")
    if not kind.archive and MARKUP.search(head):
        raise refusal(name, MARKUP_REASON, "file_type")
    if kind.archive:
        kind = _archive_kind(upload, name, max_bytes)
    upload.seek(0)
    if extension not in kind.content_types:
        raise refusal(
            name, f"its content is {kind.label}, which does not match .{extension}", "file_type"
        )
    return Accepted(name=name, kind=kind, content_type=kind.content_types[extension])


class UploadStream:
    """An accepted upload's chunks, counted and hashed as they pass, re-checking what the head
    could only promise: the real size, and for text, UTF-8 without NUL or markup to the last
    byte."""

    def __init__(self, upload, *, accepted: Accepted, max_bytes: int):
        self.upload = upload
        self.accepted = accepted
        self.max_bytes = max_bytes
        self.size = 0
        self._digest = hashlib.sha256()

    @property
    def sha256(self) -> str:
        return self._digest.hexdigest()

    def __iter__(self):
        name = self.accepted.name
        text = codecs.getincrementaldecoder("utf-8")() if self.accepted.kind is TEXT else None
        tail = b""
        for chunk in self.upload.chunks(CHUNK_SIZE):
            self.size += len(chunk)
            if self.size > self.max_bytes:
                raise too_large(name, self.max_bytes)
            if text is not None:
                self._check_text(text, chunk, tail)
                tail = chunk[-MARKUP_OVERLAP:]
            self._digest.update(chunk)
            yield chunk
        if text is not None:
            self._check_text(text, b"", tail, final=True)

    def _check_text(self, decoder, chunk: bytes, tail: bytes, final: bool = False) -> None:
        try:
            decoder.decode(chunk, final=final)
        except UnicodeDecodeError:
            raise refusal(self.accepted.name, "its text is not valid UTF-8", "file_type") from None
        if b"\x00" in chunk:
            raise refusal(self.accepted.name, "its text contains NUL bytes", "file_type")
        if MARKUP.search(tail + chunk):
            raise refusal(self.accepted.name, MARKUP_REASON, "file_type")
