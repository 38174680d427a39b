"""With ``--block-key``, a blocked request's answer carries a signed block-page token (the
ACL helper's ``message=``, the rewrite helper's redirect ``?t=``) that the block page can
verify; allowed requests are answered as without a key."""

from __future__ import annotations

import os
import time
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

from openaup.engine import blocktoken

from .squid_support import HelperProcess, build_snapshot, helper_command

ELEMENTARY_IP = "10.1.2.3"


@pytest.fixture
def snap(tmp_path: Path) -> Path:
    return build_snapshot(tmp_path, tmp_path / "filter.snap")


@pytest.fixture
def key(tmp_path: Path) -> tuple[Path, bytes]:
    path = tmp_path / "block.key"
    path.write_bytes(os.urandom(blocktoken.KEY_BYTES))
    return path, path.read_bytes()


def _facts(token: str, key: bytes) -> dict[str, str]:
    facts = blocktoken.verify(token, key, now=int(time.time()), max_age=300)
    assert facts is not None, f"the token does not verify: {token!r}"
    return facts


def test_the_acl_helper_signs_what_it_blocked(snap: Path, key: tuple[Path, bytes]) -> None:
    helper = HelperProcess(helper_command("squid-acl", snap, "--block-key", str(key[0])))
    blocked, allowed, again = helper.ask(
        f"{ELEMENTARY_IP} kid7 http://www.games.test/play/level?x=1 -",
        f"{ELEMENTARY_IP} kid7 http://ok.test/ -",
        f"3 {ELEMENTARY_IP} kid7 games.test:443 -",
    )
    assert allowed == "OK log=elementary/default"
    head, message, *rest = blocked.split(" ")
    assert head == "ERR"
    assert message.startswith("message=")
    assert rest == ["log=elementary/locked_block"]
    facts = _facts(unquote(message.removeprefix("message=")), key[1])
    assert facts["host"] == "www.games.test"
    assert facts["url"] == "www.games.test/play/level"  # no query string
    assert (facts["profile"], facts["category"], facts["rule"], facts["reason"]) == (
        "elementary", "games", "locked_block", "category"
    )  # fmt: skip
    assert (facts["client_ip"], facts["user"], facts["clause"]) == (ELEMENTARY_IP, "kid7", "CIPA")
    # with a channel ID too, and each blocked request its own facts
    channel, verdict, message2, _ = again.split(" ")
    assert (channel, verdict) == ("3", "ERR")
    assert _facts(message2.removeprefix("message="), key[1])["host"] == "games.test"
    # another key does not verify it
    assert (
        blocktoken.verify(message2[8:], os.urandom(32), now=int(time.time()), max_age=300) is None
    )
    assert helper.close()[0] == 0


def test_the_rewrite_helper_redirects_with_the_token(snap: Path, key: tuple[Path, bytes]) -> None:
    helper = HelperProcess(helper_command("squid-rewrite", snap, "--block-key", str(key[0])))
    (answer,) = helper.ask(f"http://games.test/x {ELEMENTARY_IP}/- kid7 GET")
    assert answer.startswith("OK status=302 url=")
    target = urlsplit(unquote(answer.removeprefix("OK status=302 url=")))
    assert target.netloc == "block.test"
    assert target.path == "/blocked"
    (token,) = parse_qs(target.query)["t"]
    assert _facts(token, key[1])["category"] == "games"
    assert helper.close()[0] == 0


def test_without_a_readable_key_blocking_goes_on(snap: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.key"
    helper = HelperProcess(helper_command("squid-acl", snap, "--block-key", str(missing)))
    (answer,) = helper.ask(f"{ELEMENTARY_IP} - http://games.test/ -")
    assert answer == "ERR message=category:games log=elementary/locked_block"
    status, err, _ = helper.close()
    assert status == 0
    assert "cannot read the block-page key" in err
    assert str(missing) in err
