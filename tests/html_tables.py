"""Reading pages the way a person does: the rows of a table found by its caption, the links
and the visible text of a page."""

from __future__ import annotations

from html.parser import HTMLParser


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self.links: list[tuple[str, str]] = []
        self._caption: str | None = None
        self._in_caption = False
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._rows: list[list[str]] | None = None
        self._in_thead = False
        self._link: tuple[str, list[str]] | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._caption, self._rows = "", []
        elif tag == "caption":
            self._in_caption = True
        elif tag == "thead":
            self._in_thead = True
        elif tag == "tr" and self._rows is not None and not self._in_thead:
            self._row = []
        elif tag in ("td", "th") and self._row is not None:
            self._cell = []
        elif tag == "a":
            self._link = (dict(attrs).get("href") or "", [])

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._rows is not None:
            self.tables[self._caption or ""] = self._rows
            self._rows = None
        elif tag == "caption":
            self._in_caption = False
        elif tag == "thead":
            self._in_thead = False
        elif tag == "tr" and self._row is not None and self._rows is not None:
            self._rows.append(self._row)
            self._row = None
        elif tag in ("td", "th") and self._cell is not None and self._row is not None:
            self._row.append(" ".join(" ".join(self._cell).split()))
            self._cell = None
        elif tag == "a" and self._link is not None:
            self.links.append((" ".join(" ".join(self._link[1]).split()), self._link[0]))
            self._link = None

    def handle_data(self, data: str) -> None:
        if self._in_caption:
            self._caption = ((self._caption or "") + data).strip()
        if self._cell is not None:
            self._cell.append(data)
        if self._link is not None:
            self._link[1].append(data)
        self.text.append(data)


def _parse(content: bytes | str) -> _Tables:
    parser = _Tables()
    parser.feed(content.decode() if isinstance(content, bytes) else content)
    return parser


def table(content: bytes | str, caption: str) -> list[list[str]]:
    """The body rows of the table captioned ``caption`` (cell texts, whitespace collapsed)."""
    tables = _parse(content).tables
    assert caption in tables, f"no table {caption!r}; tables: {sorted(tables)}"
    return tables[caption]


def first_column(content: bytes | str, caption: str) -> list[str]:
    return [row[0] for row in table(content, caption)]


def links(content: bytes | str) -> dict[str, str]:
    """Link text -> href."""
    return dict(_parse(content).links)


def text(content: bytes | str) -> str:
    """The page's text, whitespace collapsed."""
    return " ".join(" ".join(_parse(content).text).split())
