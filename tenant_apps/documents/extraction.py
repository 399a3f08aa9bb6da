"""Searchable text from a stored file: PDFs through pypdf, Word, Excel and PowerPoint files
by reading their XML parts (stdlib only), plain text as it is. Everything is bounded: the file
size read, the XML inflated, and the characters kept."""

import re
import zipfile
from xml.parsers import expat

from django.conf import settings

from tenant_apps.documents.models import ExtractionState
from tenant_apps.files.storage import CHUNK_SIZE, open_seekable
from tenant_apps.files.validation import DOCX, PDF, PPTX, TEXT, XLSX

# Office parts are inflated at most this far in all, whatever the archive claims.
XML_MAX_BYTES = 64 * 1024 * 1024
# Where each Office format keeps its words; numbered parts are read in their order.
OFFICE_PARTS = {
    DOCX: [re.compile(r"word/(document|footnotes|endnotes|header\d*|footer\d*)\.xml")],
    PPTX: [re.compile(r"ppt/slides/slide\d+\.xml"), re.compile(r"ppt/notesSlides/\w+\.xml")],
    XLSX: [re.compile(r"xl/sharedStrings\.xml")],  # every cell's text; numbers are not words
}
# Elements holding text in all three formats (w:t, a:t, and the t of shared or inline strings).
TEXT_ELEMENTS = {"t"}
# Elements that end a line (paragraphs, shared strings, breaks) or a word (tabs).
LINE_ELEMENTS = {"p", "si", "br", "cr"}
WORD_ELEMENTS = {"tab"}
# Everything but tabs and newlines in Unicode's control category (Postgres refuses NUL).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


class _Enough(Exception):
    """Raised to stop reading once the text reaches its bound."""


class _Text:
    def __init__(self, limit: int):
        self.limit = limit
        self.parts: list[str] = []
        self.length = 0

    def add(self, text: str) -> None:
        text = CONTROL_CHARACTERS.sub(" ", text)
        self.parts.append(text[: self.limit - self.length])
        self.length += len(self.parts[-1])
        if self.length >= self.limit:
            raise _Enough

    def value(self) -> str:
        return re.sub(r"[ \t]*\n\s*", "\n", "".join(self.parts)).strip()


def version_text(stored_file) -> tuple[str, ExtractionState]:
    """The text of ``stored_file`` for search, and how extraction went."""
    kind = _kind(stored_file.content_type)
    if kind is None or stored_file.size > settings.DOCUMENT_EXTRACT_MAX_BYTES:
        return "", ExtractionState.NONE
    text = _Text(settings.DOCUMENT_TEXT_MAX_CHARS)
    with open_seekable(stored_file.key) as stream:
        try:
            if kind is PDF:
                _pdf_text(stream, text)
            elif kind is TEXT:
                _plain_text(stream, text)
            else:
                _office_text(stream, kind, text)
        except _Enough:
            pass
    value = text.value()
    return value, ExtractionState.DONE if value else ExtractionState.NONE


def _kind(content_type: str):
    for kind in (PDF, TEXT, DOCX, XLSX, PPTX):
        if content_type in kind.content_types.values():
            return kind
    return None


def _pdf_text(stream, text: _Text) -> None:
    # Imported here: pypdf costs ~12 MB in every web process, which only queues extraction.
    from pypdf import PdfReader

    reader = PdfReader(stream)
    if reader.is_encrypted and not reader.decrypt(""):
        return  # protected by a password we do not have
    for page in reader.pages:
        text.add(page.extract_text() + "\n")


def _plain_text(stream, text: _Text) -> None:
    # Validated as UTF-8 when stored; a read may split a character, hence "replace".
    while chunk := stream.read(CHUNK_SIZE):
        text.add(chunk.decode("utf-8", "replace"))


def _part_order(name: str) -> tuple:
    # slide10 after slide9: numbers compare as numbers.
    return tuple(int(piece) if piece.isdigit() else piece for piece in re.split(r"(\d+)", name))


def _office_text(stream, kind, text: _Text) -> None:
    budget = [XML_MAX_BYTES]
    with zipfile.ZipFile(stream) as archive:
        names = archive.namelist()
        for pattern in OFFICE_PARTS[kind]:
            for name in sorted(filter(pattern.fullmatch, names), key=_part_order):
                with archive.open(name) as part:
                    _xml_text(part, text, budget)
                text.add("\n")


def _xml_text(part, text: _Text, budget: list[int]) -> None:
    """Feed one XML part through expat, keeping the character data of text elements.

    Office XML has no document type declaration, so one is refused outright: no entity,
    internal or external, is ever expanded.
    """
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = [0]  # how many text elements are open

    def refuse_doctype(*args):
        raise ValueError("an Office XML part declares a document type")

    def start(name, attributes):
        if name.rpartition(" ")[2] in TEXT_ELEMENTS:
            depth[0] += 1

    def end(name):
        local = name.rpartition(" ")[2]
        if local in TEXT_ELEMENTS:
            depth[0] -= 1
        elif local in LINE_ELEMENTS:
            text.add("\n")
        elif local in WORD_ELEMENTS:
            text.add(" ")

    def characters(data):
        if depth[0]:
            text.add(data)

    parser.StartDoctypeDeclHandler = refuse_doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = characters
    while chunk := part.read(CHUNK_SIZE // 4):
        budget[0] -= len(chunk)
        if budget[0] < 0:
            raise _Enough
        parser.Parse(chunk, False)
    parser.Parse(b"", True)
