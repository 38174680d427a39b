"""A host is looked up from its last two labels up, and the walk stops at the first domain
that no longer key ends with (the snapshot's parent filter): the matches must be those of
looking up the host and every parent domain, whatever the lists hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaup.engine.compiler import compile_snapshot
from openaup.engine.decide import Engine
from openaup.engine.policy import parse_policy
from openaup.engine.snapshot import Snapshot, key_hash
from openaup.engine.urls import host_suffixes

POLICY = parse_policy(
    '[filter]\ndefault_profile = "p"\n[profiles.p]\n[[profiles.p.rules]]\n'
    'state = "block"\ncategories = ["deep", "urls"]\n'
)


def compile_lists(folder: Path, domains: list[str], urls: list[str] = ()) -> Path:  # type: ignore[assignment]
    (folder / "lists" / "deep").mkdir(parents=True, exist_ok=True)
    (folder / "lists" / "deep" / "domains").write_text("\n".join(domains) + "\n")
    if urls:
        (folder / "lists" / "urls").mkdir(parents=True, exist_ok=True)
        (folder / "lists" / "urls" / "urls").write_text("\n".join(urls) + "\n")
    out = folder / "walk.snap"
    compile_snapshot([folder / "lists"], POLICY, out)
    return out


def test_the_filter_marks_every_parent_of_a_host_key(tmp_path: Path) -> None:
    out = compile_lists(tmp_path, ["p.q.r.b.example", "x.a.example", "a.example"])
    with Snapshot.open(out) as snap:
        for parent in ("q.r.b.example", "r.b.example", "b.example", "a.example"):
            assert snap.has_longer_keys(key_hash(parent)), parent
        assert not snap.has_longer_keys(key_hash("p.q.r.b.example"))


@pytest.mark.parametrize(
    ("host", "keys"),
    [
        ("deep.p.q.r.b.example", ["p.q.r.b.example"]),
        ("p.q.r.b.example", ["p.q.r.b.example"]),
        ("z.q.r.b.example", []),
        ("q.r.b.example", []),
        ("b.example", []),
        # a listed domain blocks below a listed sub-domain's sibling (the squidGuard miss)
        ("y.a.example", ["a.example"]),
        ("w.x.a.example", ["x.a.example", "a.example"]),
        ("x.a.example", ["x.a.example", "a.example"]),
        # a URL rule's host is a key too: its parents are walked through
        ("www.c.d.example", []),
        ("10.1.2.3", ["10.1.2.3"]),
        # not an IP literal: its suffixes are walked like a name's
        ("9.10.1.2.3", ["10.1.2.3"]),
    ],
)
def test_the_walk_finds_each_listed_suffix(tmp_path: Path, host: str, keys: list[str]) -> None:
    out = compile_lists(
        tmp_path,
        ["p.q.r.b.example", "x.a.example", "a.example", "10.1.2.3"],
        ["c.d.example/page"],
    )
    with Snapshot.open(out) as snap:
        found = [key for _list, _category, key in Engine(snap).matches(f"http://{host}/")]
        assert found == keys
        if host == "www.c.d.example":
            paged = Engine(snap).matches("http://www.c.d.example/page/1")
            assert [key for *_, key in paged] == ["c.d.example/page"]


LABELS = st.sampled_from(["a", "b", "c", "www", "x1", "example"])
HOSTS = st.lists(LABELS, min_size=2, max_size=5).map(".".join)
ASKED = st.lists(LABELS, min_size=1, max_size=6).map(".".join)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(listed=st.lists(HOSTS, min_size=1, max_size=12), asked=st.lists(ASKED, max_size=12))
def test_the_walk_matches_every_suffix_looked_up_one_by_one(
    tmp_path_factory: pytest.TempPathFactory, listed: list[str], asked: list[str]
) -> None:
    out = compile_lists(tmp_path_factory.mktemp("walk"), listed)
    wanted = set(listed)
    with Snapshot.open(out) as snap:
        engine = Engine(snap, cache_size=1)
        for host in [*asked, *listed]:
            expected = [s for s in host_suffixes(host) if s in wanted]
            found = [key for *_, key in engine.matches(f"http://{host}/")]
            assert found == expected, host
