"""Block-page tokens: what is signed verifies, anything changed or made up does not."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest

from openaup.engine import blocktoken
from openaup.engine.blocktoken import FIELDS, load_key, sign, verify

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))
NOW = 1_800_000_000
FACTS = {
    "host": "games.example",
    "url": "http://games.example/play?session=secret#top",
    "profile": "middle",
    "category": "games",
    "list": "ut1/games",
    "rule": "block",
    "reason": "category",
    "clause": "Network Usage, Filtering & Monitoring",
    "client_ip": "10.20.3.4",
    "user": "jdoe",
}


def _tamper(token: str, **changes: object) -> str:
    """The token with payload values changed, re-encoded but keeping the old MAC."""
    payload, _, mac = token.partition(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    for name, value in changes.items():
        index = 1 if name == "issued" else 2 + FIELDS.index(name)
        data[index] = value
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode() + "." + mac


def test_a_signed_token_gives_back_its_facts_without_the_query() -> None:
    token = sign(FACTS, KEY, NOW)
    facts = verify(token, KEY, now=NOW + 10, max_age=3600)
    assert facts is not None
    assert facts["url"] == "http://games.example/play"
    assert "secret" not in token
    assert "secret" not in str(facts)
    assert facts["host"] == "games.example"
    assert facts["clause"] == FACTS["clause"]
    assert facts["issued"] == str(NOW)
    assert set(facts) == {*FIELDS, "issued"}


def test_the_token_is_url_safe_and_compact() -> None:
    token = sign(FACTS, KEY, NOW)
    assert all(c.isalnum() or c in "-_." for c in token)
    assert len(token) < 400


def test_missing_fields_are_empty_and_long_values_are_cut() -> None:
    facts = verify(
        sign({"url": "http://a.example/" + "x" * 5000}, KEY, NOW), KEY, now=NOW, max_age=60
    )
    assert facts is not None
    assert facts["host"] == ""
    assert facts["user"] == ""
    assert len(facts["url"]) == blocktoken.MAX_LENGTHS["url"]


@pytest.mark.parametrize(
    "change",
    [{"host": "evil.example"}, {"rule": "allow"}, {"user": "principal"}, {"issued": NOW + 5}],
)
def test_a_changed_fact_does_not_verify(change: dict[str, object]) -> None:
    token = _tamper(sign(FACTS, KEY, NOW), **change)
    assert verify(token, KEY, now=NOW, max_age=3600) is None


def test_another_key_does_not_verify() -> None:
    assert verify(sign(FACTS, OTHER_KEY, NOW), KEY, now=NOW, max_age=3600) is None


@pytest.mark.parametrize(
    "token",
    [
        "",
        ".",
        "abc",
        "abc.",
        ".abc",
        "!!!.???",
        "a" * 5000,
        "e30.AAAA",
        "bm90IGpzb24.AAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_garbage_does_not_verify_and_never_raises(token: str) -> None:
    assert verify(token, KEY, now=NOW, max_age=3600) is None


def test_a_made_up_payload_signed_with_the_key_but_the_wrong_shape_is_refused() -> None:
    payload = base64.urlsafe_b64encode(b'{"host":"x"}').rstrip(b"=").decode()
    mac = blocktoken._b64encode(blocktoken._mac(payload, KEY))
    assert verify(f"{payload}.{mac}", KEY, now=NOW, max_age=3600) is None


def test_expiry_and_tokens_from_the_future() -> None:
    token = sign(FACTS, KEY, NOW)
    assert verify(token, KEY, now=NOW + 3600, max_age=3600) is not None
    assert verify(token, KEY, now=NOW + 3601, max_age=3600) is None
    assert verify(token, KEY, now=NOW - 120, max_age=3600) is None


def test_sign_refuses_unknown_fields_and_short_keys() -> None:
    with pytest.raises(ValueError, match="unknown block-token field"):
        sign({"hostname": "x"}, KEY, NOW)
    with pytest.raises(ValueError, match="shorter than 16"):
        sign(FACTS, b"short", NOW)


def test_load_key(tmp_path: Path) -> None:
    path = tmp_path / "block.key"
    path.write_bytes(os.urandom(32))
    assert len(load_key(path)) == 32
    path.write_bytes(b"tiny")
    with pytest.raises(ValueError, match="32 bytes"):
        load_key(path)
    with pytest.raises(FileNotFoundError):
        load_key(tmp_path / "missing.key")
