"""The diff between two policy texts: by section, with words added and removed."""

from __future__ import annotations

from openaup.policies.diff import Part, diff_texts

OLD = """# AUP

Intro line.

## Guiding Principles

Technology is provided for learning.
Line two.
Line three.
Line four.
Line five.

## Old Section

Gone text.

## Passwords

Keep passwords secret.
"""

NEW = """# AUP

Intro line.

## Guiding Principles

Technology is provided for learning and teaching.
Line two.
Line three.
Line four.
Line five.
A new line.

## Passwords

Keep passwords secret.

## New Section

Brand new.
"""


def test_sections_are_matched_and_classified() -> None:
    result = diff_texts(OLD, NEW)
    assert [(s.anchor, s.status) for s in result.sections] == [
        ("aup", "unchanged"),
        ("guiding-principles", "changed"),
        ("old-section", "removed"),
        ("passwords", "unchanged"),
        ("new-section", "added"),
    ]
    assert [s.anchor for s in result.changed] == [
        "guiding-principles",
        "old-section",
        "new-section",
    ]


def test_a_changed_line_shows_its_words() -> None:
    principles = diff_texts(OLD, NEW).sections[1]
    changed = [line for line in principles.lines if line.kind == "changed"]
    assert changed[0].parts == (
        Part("same", "Technology is provided for "),
        Part("removed", "learning."),
        Part("added", "learning and teaching."),
    )
    assert [line.text for line in principles.lines if line.kind == "added"] == ["A new line."]


def test_long_unchanged_runs_are_collapsed() -> None:
    principles = diff_texts(OLD, NEW).sections[1]
    kinds = [line.kind for line in principles.lines]
    assert kinds == ["same", "changed", "same", "skipped", "same", "added"]
    skipped = next(line for line in principles.lines if line.kind == "skipped")
    assert skipped.count == 2
    assert "Line three." not in [line.text for line in principles.lines]


def test_line_endings_and_blank_lines_do_not_count() -> None:
    assert diff_texts(OLD, OLD.replace("\n", "\r\n") + "\n\n").is_same
    assert diff_texts(OLD, OLD.replace("Intro line.\n", "Intro line.\n\n\n")).is_same


def test_text_before_the_first_heading_and_no_headings() -> None:
    result = diff_texts("Preamble.\n\n# A\n\nx\n", "Preamble changed.\n\n# A\n\nx\n")
    assert [(s.anchor, s.status) for s in result.sections] == [("", "changed"), ("a", "unchanged")]
    plain = diff_texts("one\ntwo", "one\nthree")
    assert [s.status for s in plain.sections] == ["changed"]


def test_empty_texts() -> None:
    assert diff_texts("", "").sections == ()
    assert [s.status for s in diff_texts("", "# New\n\nText").sections] == ["added"]
