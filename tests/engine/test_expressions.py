"""List expressions: the literal pre-check never hides a match."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from openaup.engine.expressions import ExpressionSet, compile_expression, required_literals

PATTERNS = [
    r"^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+/search\?q=[0-9]+$",
    r"(/banner/|/sponsor/|/event.ng/|/Advertisement/|adverts/)",
    r".*/ymsgr*\.exe",
    r"((google\..*/search.q=cache)|(images.google.[a-z]+/images.q=tbn))",
    r"(^|[./])sexe[s]?\.",
    r"[0-9]+",
    r"(ab|cd)+xyz",
    r"a{0,3}bcd",
]


@pytest.mark.parametrize(
    ("pattern", "literals"),
    [
        (PATTERNS[0], ("/search?q=",)),
        (PATTERNS[1], ("/advertisement/", "/banner/", "/event", "/sponsor/", "adverts/")),
        (PATTERNS[3], ("/images", "google.")),
        (PATTERNS[5], None),
        (PATTERNS[6], ("xyz",)),
        ("(unclosed", None),
    ],
)
def test_required_literals(pattern: str, literals: tuple[str, ...] | None) -> None:
    assert required_literals(pattern) == literals


@given(st.sampled_from(PATTERNS), st.text(alphabet="abcdegimnoqrstxyz0123456789./?=_", max_size=40))
def test_precheck_never_hides_a_match(pattern: str, text: str) -> None:
    expression = compile_expression(1, pattern)
    for candidate in (text, f"x{text}/banner/", f"1.2.3.4/search?q=1{text}",
                      f"www.google.fr/search?q=cache{text}", f"a.sexe.{text}"):  # fmt: skip
        assert expression.search(candidate) == bool(re.search(pattern, candidate, re.I))


def test_expression_set_finds_every_matching_list() -> None:
    group = ExpressionSet(tuple(compile_expression(i, p) for i, p in enumerate(PATTERNS)))
    assert group.matching("www.example.com/index.html") == []
    assert group.matching("ads.example/banner/x.gif") == [1]
    assert group.matching("1.2.3.4/search?q=12") == [0, 5]  # [0-9]+ has no literal: always runs
    assert group.matching("x.sexe.fr/") == [4]


REST = st.text(alphabet="/?#%\\&=.aAbBeEnNrRsSt0123456789", max_size=24)
PROBE_LITERALS = ["/banner/", "/search?q=", "adverts/", "t/?", "/b", "b/", "a/b", "e.", "?q"]


@given(rest=REST, host=st.sampled_from(["x.example", "banner.example", "10.1.2.3"]))
def test_the_probe_holds_every_literal_of_the_normalized_url(rest: str, host: str) -> None:
    from openaup.engine.decide import expression_probe
    from openaup.engine.urls import split_rest

    path, query = split_rest(rest) if rest else ("", "")
    target = f"{host}/{path}?{query}" if query else f"{host}/{path}"
    probe = expression_probe(host, rest)
    if probe:
        for lit in PROBE_LITERALS:
            if lit in target:
                assert lit in probe, (rest, target, probe)


@pytest.mark.parametrize("count", [3, 40])
def test_may_match_answers_as_the_literals_do(count: int) -> None:
    words = [f"/w{n:02d}x/" for n in range(count)]
    exprs = ExpressionSet(tuple(compile_expression(0, re.escape(w) + "[0-9]") for w in words))
    assert exprs.may_match(f"host{words[-1]}")
    assert not exprs.may_match("host/nothing/")
    always = ExpressionSet((compile_expression(0, "[0-9]+"),))
    assert always.may_match("host/nothing/")  # no literal to look for: always run
