"""Property tests: the URL parser never raises; a minor's profile never gets "allow" on error."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from openaup.engine.decide import Engine, fail_closed_decision
from openaup.engine.decision import Action, FilterRequest
from openaup.engine.policy import load_policy
from openaup.engine.urls import host_suffixes, normalize_host, path_prefixes, split_url

from .conftest import POLICY

URLISH = st.one_of(
    st.text(max_size=300),
    st.builds(
        lambda scheme, user, host, port, path: f"{scheme}{user}{host}{port}{path}",
        st.sampled_from(["", "http://", "https://", "//", "ftp://", "HTTP://"]),
        st.sampled_from(["", "u@", "u:p@", "@", "a@b@"]),
        st.one_of(
            st.text(max_size=40),
            st.from_regex(r"[a-z0-9.\-]{1,30}", fullmatch=True),
            st.ip_addresses().map(str),
            st.ip_addresses(v=6).map(lambda a: f"[{a}]"),
        ),
        st.sampled_from(["", ":", ":80", ":99999", ":x"]),
        st.text(max_size=60),
    ),
)


@given(URLISH)
@settings(max_examples=600)
def test_url_parser_never_raises(url: str) -> None:
    host, path, query = split_url(url)
    assert isinstance(path, str)
    assert isinstance(query, str)
    if host:
        assert normalize_host(host) == host  # normalized hosts are stable
        assert host_suffixes(host)[0] == host
        path_prefixes(path, query)


@given(st.text(max_size=80))
def test_normalize_host_never_raises(text: str) -> None:
    host = normalize_host(text)
    assert host == "" or host == host.lower()


@given(url=URLISH, user=st.text(max_size=20), ip=st.text(max_size=40))
@settings(max_examples=300, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_decide_never_raises(engine: Engine, url: str, user: str, ip: str) -> None:
    d = engine.decide(FilterRequest(url, ip, user))
    assert d.action in (Action.ALLOW, Action.BLOCK)
    if d.reason in ("bad_url", "error", "unknown_profile"):
        assert d.action is Action.BLOCK or engine.policy.fails_open(d.profile)


@given(reason=st.text(max_size=20), profile=st.sampled_from(
    ["elementary", "high", "walled", "guest", "staff", "unknown", ""]))  # fmt: skip
def test_a_minors_profile_never_gets_allow_on_error(reason: str, profile: str) -> None:
    policy = load_policy(POLICY)
    d = fail_closed_decision(profile, reason, policy)
    minor = policy.profiles.get(profile)
    if minor is None or minor.minor:
        assert d.action is Action.BLOCK
    for name, p in load_policy(None).profiles.items():
        if p.minor:
            assert fail_closed_decision(name, reason, load_policy(None)).action is Action.BLOCK


@given(url=URLISH)
@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_minor_on_internal_error_is_blocked(engine: Engine, url: str) -> None:
    def boom(*args: object) -> object:
        raise ValueError("broken")

    engine._verdict = boom  # type: ignore[method-assign]
    for profile in ("elementary", "high", "walled", "guest"):
        assert engine.decide(FilterRequest(url), profile=profile).action is Action.BLOCK


@given(st.text(alphabet="abcXYZ0129.-_:%é²", max_size=30))
def test_the_quick_host_of_an_authority_is_the_full_normalization(authority: str) -> None:
    from openaup.engine.urls import authority_host

    if authority.count(":") <= 1:  # no user info, no IPv6: the host is what precedes ":"
        assert authority_host(authority) == normalize_host(authority.split(":", 1)[0])
