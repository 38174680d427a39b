"""Policy texts from Markdown to safe HTML, with an anchor on every heading.

Raw HTML in the Markdown is shown as text, never run; the rendered HTML is then cleaned again
with an allow-list (no scripts, event handlers, ``style`` or ``javascript:``/``data:`` URLs),
so a policy text cannot carry a script into a signing page. Plain Python: no Django.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

__all__ = [
    "Rendered",
    "Section",
    "headings",
    "render_markdown",
    "slugify_heading",
    "text_sha256",
]

ALLOWED_TAGS = frozenset(
    {
        "a", "blockquote", "br", "code", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr",
        "img", "li", "ol", "p", "pre", "strong", "s", "table", "tbody", "td", "th", "thead",
        "tr", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "ol": {"start"},
    **{f"h{level}": {"id"} for level in range(1, 7)},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


@dataclass(frozen=True)
class Section:
    """A heading of a text: its anchor (the ``id`` in the HTML), its plain title and level
    (1 for ``#``)."""

    anchor: str
    title: str
    level: int


@dataclass(frozen=True)
class Heading:
    """A heading with the source line it starts on (0-based)."""

    section: Section
    line: int


@dataclass(frozen=True)
class Rendered:
    html: str
    sections: tuple[Section, ...]


def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


_MD = _parser()


def slugify_heading(title: str) -> str:
    """``"Network Usage, Filtering & Monitoring"`` -> ``network-usage-filtering-monitoring``;
    accents are dropped (``"Ciudadanía"`` -> ``ciudadania``)."""
    ascii_text = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug or "section"


def _plain_text(inline: Token) -> str:
    parts = [
        child.content
        for child in inline.children or []
        if child.type in ("text", "code_inline", "softbreak")
    ]
    return re.sub(r"\s+", " ", "".join(parts)).strip()


def _annotate(tokens: list[Token]) -> list[Heading]:
    """Give every heading token a unique ``id`` and return the headings in order."""
    found: list[Heading] = []
    used: set[str] = set()
    for index, token in enumerate(tokens):
        if token.type != "heading_open":
            continue
        title = _plain_text(tokens[index + 1])
        base = anchor = slugify_heading(title)
        count = 1
        while anchor in used:
            count += 1
            anchor = f"{base}-{count}"
        used.add(anchor)
        token.attrSet("id", anchor)
        level = int(token.tag[1])
        line = token.map[0] if token.map else 0
        found.append(Heading(Section(anchor, title, level), line))
    return found


def headings(markdown: str) -> list[Heading]:
    """The headings of a Markdown text with their anchors and source lines."""
    return _annotate(_MD.parse(markdown))


def render_markdown(markdown: str) -> Rendered:
    """Safe HTML for ``markdown`` and its sections."""
    tokens = _MD.parse(markdown)
    found = _annotate(tokens)
    raw = _MD.renderer.render(tokens, _MD.options, {})
    html = nh3.clean(
        raw,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    return Rendered(html=html, sections=tuple(h.section for h in found))


def normalize_text(body: str) -> str:
    """Newlines as ``\\n``, no trailing whitespace at the end of the document."""
    return body.replace("\r\n", "\n").replace("\r", "\n").rstrip()


def text_sha256(body: str) -> str:
    """The SHA-256 (hex) that identifies a text: of its UTF-8 bytes after
    :func:`normalize_text`."""
    return hashlib.sha256(normalize_text(body).encode("utf-8")).hexdigest()
