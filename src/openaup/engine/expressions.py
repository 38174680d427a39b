"""Regular-expression lists, compiled once, each with a cheap literal pre-check.

Python's ``re`` tries an unanchored pattern such as ``(google\\..*/search.q=cache)|...`` at
every position of the URL, which costs microseconds per request. Most list expressions
contain literal text that any match must include; :func:`required_literals` finds such a
set from the parsed pattern (any match contains at least one of them), and the expression is
only run when one of them occurs in the URL. The pre-check never changes an answer.
"""

from __future__ import annotations

import importlib
import re
from dataclasses import dataclass
from typing import Any

# The parser of the ``re`` module (its own, so the answer matches what ``re`` compiles).
_p: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

__all__ = [
    "FEW_LITERALS",
    "Expression",
    "ExpressionSet",
    "compile_expression",
    "required_literals",
]

_MIN_LITERAL = 3
# Up to this many pre-check literals are looked for one by one.
FEW_LITERALS = 16


@dataclass(frozen=True, slots=True)
class Expression:
    list_id: int
    pattern: re.Pattern[str]
    literals: tuple[str, ...] | None

    def search(self, target: str) -> bool:
        lits = self.literals
        if lits is not None:
            for lit in lits:
                if lit in target:
                    break
            else:
                return False
        return self.pattern.search(target) is not None


def _required(seq: Any) -> set[str] | None:
    candidates: list[set[str]] = []
    run = ""
    for op, av in seq:
        if op is _c.LITERAL:
            run += chr(av)
            continue
        if run:
            candidates.append({run})
            run = ""
        found: set[str] | None = None
        if op is _c.SUBPATTERN:
            found = _required(av[-1])
        elif op is _c.BRANCH:
            alts = [_required(alt) for alt in av[1]]
            if alts and all(a is not None for a in alts):
                found = set().union(*[a for a in alts if a is not None])
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT) and av[0] >= 1:
            found = _required(av[2])
        if found:
            candidates.append(found)
    if run:
        candidates.append({run})
    candidates = [c for c in candidates if c and min(len(s) for s in c) >= _MIN_LITERAL]
    if not candidates:
        return None
    return max(candidates, key=lambda c: (min(len(s) for s in c), -len(c)))


def required_literals(expression: str) -> tuple[str, ...] | None:
    """Lower-case strings of which every match contains at least one; ``None`` if unknown."""
    try:
        parsed = _p.parse(expression, 0)
    except (re.error, RecursionError, OverflowError, ValueError):
        return None
    found = _required(parsed)
    if not found:
        return None
    return tuple(sorted({s.lower() for s in found}))


def compile_expression(list_id: int, expression: str) -> Expression:
    """Compile case-insensitively (targets are lower-case URLs) with its pre-check."""
    return Expression(list_id, re.compile(expression, re.IGNORECASE), required_literals(expression))


class ExpressionSet:
    """The expressions one profile uses. :meth:`matching` first looks for every pre-check
    literal at once (one pattern of all of them), so a URL that contains none costs one
    search; expressions without literals always run."""

    __slots__ = ("always", "any_literal", "expressions", "literals")

    def __init__(self, expressions: tuple[Expression, ...]) -> None:
        self.expressions = expressions
        self.always = tuple(e for e in expressions if e.literals is None)
        literals = sorted({lit for e in expressions for lit in e.literals or ()})
        self.literals = tuple(literals)
        self.any_literal = (
            re.compile("|".join(re.escape(lit) for lit in literals)) if literals else None
        )

    def may_match(self, text: str) -> bool:
        """Whether some expression could match a target of which ``text`` holds every
        character run (see :meth:`Engine.refine`): false only when every expression has
        literals and none of them is in ``text``."""
        if self.always:
            return True
        if len(self.literals) <= FEW_LITERALS:
            # a few substring searches beat one alternation of the regular-expression engine
            return any(map(text.__contains__, self.literals))
        return self.any_literal is not None and self.any_literal.search(text) is not None

    def __bool__(self) -> bool:
        return bool(self.expressions)

    def matching(self, target: str) -> list[int]:
        """The list ids whose expressions match ``target`` (a lower-case URL)."""
        if self.any_literal is not None and self.any_literal.search(target):
            return [e.list_id for e in self.expressions if e.search(target)]
        return [e.list_id for e in self.always if e.pattern.search(target)]
