"""Markdown to safe HTML: markdown-it-py renders (CommonMark, tables, strikethrough; raw HTML
in the source is escaped, not passed through), then nh3 keeps only an allow-list of tags,
attributes and URL schemes, so a script, an event handler or a ``javascript:`` link written by
anyone never reaches a reader's page."""

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable(
    ["table", "strikethrough"]
)

TAGS = {
    "p", "br", "hr", "h2", "h3", "h4", "h5", "h6", "strong", "em", "del", "code", "pre",
    "blockquote", "ul", "ol", "li", "a", "img", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"https", "http", "mailto"}


def sanitise(html: str) -> str:
    """Only the allow-listed tags and attributes; links get rel="noopener noreferrer nofollow"."""
    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


def markdown_html(source: str) -> str:
    """``source`` (Markdown) as sanitised HTML. An article's own headings start at level 2
    (its title is the page's h1), so "# Heading" is shifted down one level."""
    html = _markdown.render(source)
    for level in range(5, 0, -1):
        html = html.replace(f"<h{level}>", f"<h{level + 1}>").replace(
            f"</h{level}>", f"</h{level + 1}>"
        )
    return sanitise(html)
