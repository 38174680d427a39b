"""Reading lists: layouts, line normalization, bad lines counted and never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from openaup.engine.lists import ListError, ListSource, discover, domain_line, read_list, url_line

from .conftest import LISTS, PLAIN


def test_discover_ut1_layout_and_plain_lists() -> None:
    found = {s.name: s for s in discover(LISTS)}
    assert found["lists/games/domains"].category == "games"
    assert found["lists/adult/urls"].kind == "urls"
    assert found["lists/adult/expressions"].kind == "expressions"
    assert found["lists/child/domains"].allow
    assert not found["lists/games/domains"].allow
    plain = {s.category: s for s in discover(PLAIN)}
    assert set(plain) == {"youtube", "hosts-tiktok"}


def test_discover_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(ListError, match="does not exist"):
        discover(tmp_path / "missing")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Example.COM", "example.com"),
        ("example.com.", "example.com"),
        ("  example.com  ", "example.com"),
        ("*.example.com", "example.com"),
        (".example.com", "example.com"),
        ("0.0.0.0 example.com", "example.com"),
        ("127.0.0.1\texample.com # comment", "example.com"),
        ("||example.com^", "example.com"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("192.0.2.1", "192.0.2.1"),
        ("[2001:DB8::1]", "[2001:db8::1]"),
        ("# comment", None),
        ("", None),
        ("   ", None),
        ("not a domain", ""),
        ("localhost", ""),
        ("exa$mple.com", ""),
        ("a..b.com", ""),
    ],
)
def test_domain_line(line: str, expected: str | None) -> None:
    assert domain_line(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("example.com/Path/To", "example.com/path/to"),
        ("www.example.com/a/", "example.com/a"),
        ("http://www.example.com/a%20b", "example.com/a b"),
        ("example.com:8080/x?Q=1", "example.com/x?q=1"),
        ("example.com", "example.com"),
        ("# comment", None),
        ("bad host/x", ""),
    ],
)
def test_url_line(line: str, expected: str | None) -> None:
    assert url_line(line) == expected


def test_bad_lines_are_counted_with_examples(tmp_path: Path) -> None:
    path = tmp_path / "domains"
    path.write_bytes(b"good.example\nbad line\n\xff\xfe.example\nok.example\n\n# c\n")
    content = read_list(ListSource("t", "t", "domains", path))
    assert content.entries == ["good.example", "ok.example"]
    assert content.bad == 2
    assert content.bad_examples[0] == "'bad line'"
    assert content.lines == 6


def test_bad_expressions_are_counted(tmp_path: Path) -> None:
    path = tmp_path / "expressions"
    path.write_text("ok[0-9]+\n(unclosed\n")
    content = read_list(ListSource("t", "t", "expressions", path))
    assert (content.entries, content.bad) == (["ok[0-9]+"], 1)
