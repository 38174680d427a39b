"""Markdown to safe HTML: hostile input is inert, headings get stable anchors, hashes are
stable across line endings."""

from __future__ import annotations

import hashlib

import pytest

from openaup.policies.rendering import Section, render_markdown, slugify_heading, text_sha256

INERT = [
    # (markdown, a string that must not be in the HTML, a string that must be)
    ("<script>alert(1)</script>", "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>", "<img", "&lt;img src=x onerror=alert(1)&gt;"),
    ('<a href="#" onclick="steal()">x</a>', "<a ", "onclick="),
    ("[click](javascript:alert(1))", 'href="javascript', "[click](javascript:alert(1))"),
    ("[click](JaVaScRiPt:alert(1))", "href=", "[click]"),
    ("[click](vbscript:msgbox(1))", "href=", "[click]"),
    ("![pixel](data:image/png;base64,iVBORw0KGgo=)", "data:", '<img alt="pixel">'),
    ("[file](data:text/html;base64,PHNjcmlwdD4=)", "href=", "[file]"),
    ('<div style="color:red">x</div>', "<div", "&lt;div"),
    ("<!-- a comment -->", "<!--", "&lt;!-- a comment --&gt;"),
    ("&lt;script&gt;alert(1)&lt;/script&gt;", "<script", "&lt;script&gt;"),
    ("&#60;script&#62;", "<script", "&lt;script&gt;"),
    ("<iframe src=https://example.com></iframe>", "<iframe", "&lt;iframe"),
    ("<svg onload=alert(1)>", "<svg", "&lt;svg onload"),
]


@pytest.mark.parametrize(("markdown", "absent", "present"), INERT)
def test_hostile_markdown_is_inert(markdown: str, absent: str, present: str) -> None:
    html = render_markdown(markdown).html
    assert absent not in html
    assert present in html


SAFE = [
    ("**bold** and *em*", "<strong>bold</strong> and <em>em</em>"),
    (
        "[district](https://maplevalley.example.org/)",
        '<a href="https://maplevalley.example.org/" rel="noopener noreferrer">district</a>',
    ),
    ("[write](mailto:help@example.org)", 'href="mailto:help@example.org"'),
    ("[up](#guiding-principles)", 'href="#guiding-principles"'),
    ("- one\n- two", "<li>one</li>"),
    ("3. three\n4. four", '<ol start="3">'),
    ("| a | b |\n|:--|--:|\n| 1 | 2 |", "<td>1</td>"),
    ("Fish &amp; chips", "Fish &amp; chips"),
    ("Visit https://example.org", "Visit https://example.org"),
]


@pytest.mark.parametrize(("markdown", "present"), SAFE)
def test_ordinary_markdown_renders(markdown: str, present: str) -> None:
    html = render_markdown(markdown).html
    assert present in html
    assert "style=" not in html


def test_a_table_has_no_style_attribute() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |").html
    assert "<table>" in html
    assert "style" not in html


SLUGS = [
    ("Network Usage, Filtering & Monitoring", "network-usage-filtering-monitoring"),
    ("Personally Identifiable Information (PII)", "personally-identifiable-information-pii"),
    ("Uso de la red, filtrado y supervisión", "uso-de-la-red-filtrado-y-supervision"),
    ("¿Qué pasa si no sigo las reglas?", "que-pasa-si-no-sigo-las-reglas"),
    ("网络", "section"),
    ("  Spaces   around  ", "spaces-around"),
]  # fmt: skip


@pytest.mark.parametrize(("title", "slug"), SLUGS)
def test_heading_slugs(title: str, slug: str) -> None:
    assert slugify_heading(title) == slug


def test_headings_get_anchors_without_bold_markers() -> None:
    rendered = render_markdown(
        "# Acceptable Use\n\n### **Network Usage, Filtering & Monitoring**\n\nText.\n"
    )
    assert '<h3 id="network-usage-filtering-monitoring"><strong>' in rendered.html
    assert rendered.sections == (
        Section("acceptable-use", "Acceptable Use", 1),
        Section("network-usage-filtering-monitoring", "Network Usage, Filtering & Monitoring", 3),
    )


def test_repeated_headings_get_distinct_anchors() -> None:
    rendered = render_markdown("## Title\n\n## Title\n\n## Title 2\n\n## `Code` heading\n")
    anchors = [section.anchor for section in rendered.sections]
    assert anchors == ["title", "title-2", "title-2-2", "code-heading"]
    assert len(set(anchors)) == len(anchors)


def test_a_heading_cannot_inject_an_attribute() -> None:
    rendered = render_markdown('## x" onmouseover="alert(1)\n')
    assert rendered.html.startswith('<h2 id="x-onmouseover-alert-1">x')
    assert rendered.sections[0].anchor == "x-onmouseover-alert-1"


HASHES = [
    ("Line one\nLine two", "Line one\nLine two"),
    ("Line one\r\nLine two\r\n", "Line one\nLine two"),
    ("Line one\rLine two", "Line one\nLine two"),
    ("Line one\nLine two\n\n   \n", "Line one\nLine two"),
    ("Política de uso", "Política de uso"),
]


@pytest.mark.parametrize(("body", "canonical"), HASHES)
def test_text_sha256(body: str, canonical: str) -> None:
    assert text_sha256(body) == hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def test_a_changed_word_changes_the_hash() -> None:
    assert text_sha256("Students may use devices.") != text_sha256("Students may use device.")
    assert text_sha256("  indented") != text_sha256("indented")
