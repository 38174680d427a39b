"""A readable diff between two versions of a policy text in one language, section by section
(a section runs from one heading to the next; sections are matched by their anchor, then by
position). Unchanged sections and long unchanged runs inside a changed section are collapsed;
a changed line shows the words removed and added. Plain Python: no Django."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Literal

from openaup.policies.rendering import headings, normalize_text

__all__ = ["LineDiff", "Part", "SectionDiff", "TextDiff", "diff_texts"]

#: Unchanged lines shown around a change inside a changed section.
CONTEXT = 1

PartKind = Literal["same", "added", "removed"]
LineKind = Literal["same", "added", "removed", "changed", "skipped"]
SectionStatus = Literal["unchanged", "changed", "added", "removed"]


@dataclass(frozen=True)
class Part:
    """A run of words in a changed line."""

    kind: PartKind
    text: str


@dataclass(frozen=True)
class LineDiff:
    """One line of a section's diff: unchanged, added, removed, changed (with its
    :class:`Part` s), or ``skipped`` (``count`` unchanged lines collapsed)."""

    kind: LineKind
    parts: tuple[Part, ...] = ()
    count: int = 0

    @property
    def text(self) -> str:
        return "".join(part.text for part in self.parts)


@dataclass(frozen=True)
class SectionDiff:
    anchor: str
    title: str
    status: SectionStatus
    lines: tuple[LineDiff, ...] = ()
    unchanged_lines: int = 0


@dataclass(frozen=True)
class TextDiff:
    sections: tuple[SectionDiff, ...] = field(default_factory=tuple)

    @property
    def changed(self) -> tuple[SectionDiff, ...]:
        return tuple(s for s in self.sections if s.status != "unchanged")

    @property
    def is_same(self) -> bool:
        return not self.changed


@dataclass(frozen=True)
class _Section:
    anchor: str
    title: str
    lines: tuple[str, ...]


def _content(lines: list[str]) -> tuple[str, ...]:
    """The lines that say something: blank lines only separate paragraphs."""
    return tuple(line.rstrip() for line in lines if line.strip())


def _sections(body: str) -> list[_Section]:
    body = normalize_text(body)
    lines = body.split("\n")
    found = headings(body)
    starts = [h.line for h in found]
    sections: list[_Section] = []
    first = starts[0] if starts else len(lines)
    if _content(lines[:first]):
        sections.append(_Section("", "Before the first heading", _content(lines[:first])))
    for index, heading in enumerate(found):
        end = starts[index + 1] if index + 1 < len(starts) else len(lines)
        title, anchor = heading.section.title, heading.section.anchor
        sections.append(_Section(anchor, title, _content(lines[heading.line : end])))
    return sections


_WORDS = re.compile(r"\s+|[^\s]+")


def _word_parts(old: str, new: str) -> tuple[Part, ...]:
    before = _WORDS.findall(old)
    after = _WORDS.findall(new)
    parts: list[Part] = []
    matcher = difflib.SequenceMatcher(a=before, b=after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(Part("same", "".join(before[i1:i2])))
            continue
        if i2 > i1:
            parts.append(Part("removed", "".join(before[i1:i2])))
        if j2 > j1:
            parts.append(Part("added", "".join(after[j1:j2])))
    return tuple(parts)


def _line_diff(old: tuple[str, ...], new: tuple[str, ...]) -> tuple[list[LineDiff], int]:
    lines: list[LineDiff] = []
    unchanged = 0
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    opcodes = matcher.get_opcodes()
    for position, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = old[i1:i2]
            unchanged += len(same)
            head = CONTEXT if position > 0 else 0
            tail = CONTEXT if position < len(opcodes) - 1 else 0
            if len(same) > head + tail + 1:
                shown_head, shown_tail = same[:head], same[len(same) - tail :]
                lines += [LineDiff("same", (Part("same", t),)) for t in shown_head]
                lines.append(LineDiff("skipped", count=len(same) - head - tail))
                lines += [LineDiff("same", (Part("same", t),)) for t in shown_tail]
            else:
                lines += [LineDiff("same", (Part("same", t),)) for t in same]
        elif tag == "replace" and i2 - i1 == j2 - j1:
            for before, after in zip(old[i1:i2], new[j1:j2], strict=True):
                lines.append(LineDiff("changed", _word_parts(before, after)))
        else:
            lines += [LineDiff("removed", (Part("removed", t),)) for t in old[i1:i2]]
            lines += [LineDiff("added", (Part("added", t),)) for t in new[j1:j2]]
    return lines, unchanged


def _pair(
    old: list[_Section], new: list[_Section]
) -> list[tuple[_Section | None, _Section | None]]:
    """Old and new sections side by side, in the new text's order; a removed section comes
    after the new section that followed it in the old text."""
    old_by_anchor = {s.anchor: s for s in old}
    matched = {s.anchor for s in new if s.anchor in old_by_anchor}
    pairs: list[tuple[_Section | None, _Section | None]] = []
    old_left = [s for s in old if s.anchor not in matched]
    for section in new:
        if section.anchor in old_by_anchor:
            pairs.append((old_by_anchor[section.anchor], section))
        else:
            pairs.append((None, section))
    if old_left:
        order = [s.anchor for s in old]
        for gone in old_left:
            # After the last pair whose old section came before it.
            at = len(pairs)
            for index, (before, _after) in enumerate(pairs):
                if before is not None and order.index(before.anchor) > order.index(gone.anchor):
                    at = index
                    break
            pairs.insert(at, (gone, None))
    return pairs


def diff_texts(old_body: str, new_body: str) -> TextDiff:
    """The differences from ``old_body`` to ``new_body`` (two Markdown texts)."""
    result: list[SectionDiff] = []
    for before, after in _pair(_sections(old_body), _sections(new_body)):
        if before is None and after is not None:
            lines, _ = _line_diff((), after.lines)
            result.append(SectionDiff(after.anchor, after.title, "added", tuple(lines)))
        elif after is None and before is not None:
            lines, _ = _line_diff(before.lines, ())
            result.append(SectionDiff(before.anchor, before.title, "removed", tuple(lines)))
        elif before is not None and after is not None:
            if before.lines == after.lines:
                result.append(
                    SectionDiff(
                        after.anchor, after.title, "unchanged", unchanged_lines=len(after.lines)
                    )
                )
            else:
                lines, count = _line_diff(before.lines, after.lines)
                result.append(
                    SectionDiff(after.anchor, after.title, "changed", tuple(lines), count)
                )
    return TextDiff(tuple(result))
