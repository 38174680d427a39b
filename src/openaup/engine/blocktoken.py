"""Signed block-page tokens.

When a helper blocks a request it sends the browser to the block page with a token that
carries the decision's facts (``/blocked?t=<token>``). The block page shows only what the
token proves: a link whose facts were changed, made up or signed with another key does not
verify, so nobody can make the district's block page say what the filter did not decide.

Format: ``<payload>.<mac>``, both base64url without padding. The payload is the UTF-8 JSON
array ``[version, issued, field...]`` with the fields of :data:`FIELDS` in order (long
values truncated, see :data:`MAX_LENGTHS`); the MAC is HMAC-SHA256 of the payload's text
with the key, truncated to 16 bytes. ``issued`` is the decision's time (Unix seconds), so
a token also expires (``max_age``).

The key is 32 random bytes in a file (``block.key`` beside the snapshot) that the helpers
and the web app share; the web app creates it when it is missing.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "FIELDS",
    "KEY_BYTES",
    "MAX_LENGTHS",
    "VERSION",
    "load_key",
    "sign",
    "verify",
]

VERSION = 1
KEY_BYTES = 32
MAC_BYTES = 16

#: The decision's facts a token carries, in payload order.
FIELDS: tuple[str, ...] = (
    "host",
    "url",
    "profile",
    "category",
    "list",
    "rule",
    "reason",
    "clause",
    "client_ip",
    "user",
)

#: Values longer than this are cut (a URL without its query; the block page shows no more).
MAX_LENGTHS: Mapping[str, int] = {"url": 512, "host": 253, "clause": 200}
_DEFAULT_MAX = 150
#: A token longer than this is refused before any decoding.
MAX_TOKEN_CHARS = 4096


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str, key: bytes) -> bytes:
    return hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest()[:MAC_BYTES]


def _clean(name: str, value: str) -> str:
    if name == "url":
        value = value.split("?", 1)[0].split("#", 1)[0]
    return value[: MAX_LENGTHS.get(name, _DEFAULT_MAX)]


def sign(fields: Mapping[str, str], key: bytes, issued: int) -> str:
    """A token for a decision made at ``issued`` (Unix seconds) with ``fields`` (names from
    :data:`FIELDS`; missing ones are empty). The URL loses its query; long values are cut.

    Raises ``ValueError`` for an unknown field name or a key shorter than 16 bytes.
    """
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise ValueError(f"unknown block-token field(s): {', '.join(sorted(unknown))}")
    if len(key) < 16:
        raise ValueError("the block-page key is shorter than 16 bytes")
    values = [_clean(name, str(fields.get(name, ""))) for name in FIELDS]
    raw = json.dumps([VERSION, int(issued), *values], ensure_ascii=False, separators=(",", ":"))
    payload = _b64encode(raw.encode("utf-8"))
    return f"{payload}.{_b64encode(_mac(payload, key))}"


def verify(token: str, key: bytes, *, now: int, max_age: int) -> dict[str, str] | None:
    """The facts of a token (every name of :data:`FIELDS`, plus ``issued`` as decimal
    text), or ``None`` when it is malformed, was not signed with ``key``, was issued more
    than ``max_age`` seconds before ``now`` or more than a minute after it. Never raises."""
    if not token or len(token) > MAX_TOKEN_CHARS or len(key) < 16:
        return None
    payload, dot, mac_text = token.partition(".")
    if not dot or not payload:
        return None
    try:
        given = _b64decode(mac_text)
        expected = _mac(payload, key)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None
    if not hmac.compare_digest(given, expected):
        return None
    try:
        data = json.loads(_b64decode(payload).decode("utf-8"))
    except (binascii.Error, ValueError):
        return None
    if (
        not isinstance(data, list)
        or len(data) != 2 + len(FIELDS)
        or data[0] != VERSION
        or not isinstance(data[1], int)
        or isinstance(data[1], bool)
        or not all(isinstance(value, str) for value in data[2:])
    ):
        return None
    issued: int = data[1]
    if issued > now + 60 or now - issued > max_age:
        return None
    facts = dict(zip(FIELDS, data[2:], strict=True))
    facts["issued"] = str(issued)
    return facts


def load_key(path: Path | str) -> bytes:
    """The key in ``path`` (raw bytes, at least 32). Raises ``OSError`` when it cannot be
    read and ``ValueError`` when it is too short."""
    key = Path(path).read_bytes()
    if len(key) < KEY_BYTES:
        raise ValueError(f"{path}: a block-page key has {KEY_BYTES} bytes or more, not {len(key)}")
    return key
