"""URL and host normalization, shared by the compiler (list lines) and by decisions (requests).

Both sides must agree byte for byte, so there is one function for each: :func:`normalize_host`
and :func:`split_url`. Neither raises: anything that cannot be understood comes back as an
empty host, which a decision treats as an error (blocked unless the profile fails open).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import unquote

__all__ = [
    "AUTHORITY",
    "authority_host",
    "host_suffixes",
    "ip_literal",
    "normalize_host",
    "normalize_path",
    "path_prefixes",
    "split_authority",
    "split_rest",
    "split_url",
]

_HOST_OK = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-._")
_MAX_HOST = 253
# Lower-case labels, the last one not all digits: what the full normalization returns as is.
_CLEAN_HOST = re.compile(r"(?:[a-z0-9_-]+\.)*[a-z0-9_-]*[a-z_-][a-z0-9_-]*").fullmatch


# Full stops that IDNA treats as label separators (ideographic, fullwidth, halfwidth).
_IDN_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})


def _idna(host: str) -> str:
    """Punycode every non-ASCII label; ``""`` when a label cannot be encoded."""
    labels = []
    for label in host.split("."):
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append(label.encode("idna").decode("ascii"))
        except UnicodeError:
            try:
                labels.append("xn--" + label.encode("punycode").decode("ascii"))
            except UnicodeError:
                return ""
    return ".".join(labels)


def ip_literal(host: str) -> str:
    """The canonical text of an IPv4/IPv6 literal, or ``""`` when ``host`` is not one."""
    if not host.isascii():
        return ""
    if host.startswith("["):
        inner = host[1:-1] if host.endswith("]") else host[1:]
        inner = inner.split("%", 1)[0]
        try:
            return "[" + ipaddress.IPv6Address(inner).compressed + "]"
        except ValueError:
            return ""
    if ":" in host:
        try:
            return "[" + ipaddress.IPv6Address(host.split("%", 1)[0]).compressed + "]"
        except ValueError:
            return ""
    if host and host[-1].isdigit():
        if host.isdigit():
            value = int(host)
            if value < 2**32:
                return str(ipaddress.IPv4Address(value))
            return ""
        try:
            return str(ipaddress.IPv4Address(host))
        except ValueError:
            return ""
    return ""


def normalize_host(host: str) -> str:
    """Lower case, no trailing dot, IDN to punycode, IP literals canonical.

    ``""`` when the text is not a usable host name (empty labels, bad characters, too long).
    IPv6 literals keep their brackets (``[2001:db8::1]``), so they never look like domains.
    """
    if not host:
        return ""
    if len(host) <= _MAX_HOST and _CLEAN_HOST(host):
        return host  # already normalized: the common case
    if "%" in host:
        host = unquote(host)
    host = host.strip().lower().rstrip(".")
    if not host:
        return ""
    ip = ip_literal(host)
    if ip:
        return ip
    if host.startswith("[") or ":" in host:
        return ""
    if not host.isascii():
        if "\ufffd" in host:
            return ""
        host = _idna(host.translate(_IDN_DOTS))
        # IDNA mapping can turn text into an IP literal ("²" -> "2"): normalize the result
        return normalize_host(host) if host and host.isascii() else ""
    if len(host) > _MAX_HOST or not _HOST_OK.issuperset(host):
        return ""
    if host.startswith(".") or ".." in host:
        return ""
    return host


def normalize_path(path: str) -> str:
    """Percent-decoded, lower-case path (without query), or ``""`` for ``/``."""
    if "%" in path:
        path = unquote(path, errors="replace")
    return path.lower().strip("/")


AUTHORITY = re.compile(r"\s*(?:[A-Za-z][A-Za-z0-9+.-]{0,15}://|//)?([^/?#\\]*)")


def split_authority(url: str) -> tuple[str, str]:
    """The raw authority (``user@host:port``) and the rest (path, query, fragment) of a URL,
    a ``host:port`` (CONNECT) or a bare host. Never raises."""
    m = AUTHORITY.match(url)
    if m is None:  # pragma: no cover - the pattern matches every string
        return "", ""
    return m.group(1), url[m.end() :]


# An authority that is a normalized host, with or without a port: the common case.
_PLAIN_AUTHORITY = re.compile(
    r"((?:[a-z0-9_-]+\.)*[a-z0-9_-]*[a-z_-][a-z0-9_-]*)(?::[0-9]*)?"
).fullmatch


def authority_host(authority: str) -> str:
    """The normalized host of an authority: user info and port dropped; ``""`` if unusable."""
    plain = _PLAIN_AUTHORITY(authority)
    if plain is not None and plain.end(1) <= _MAX_HOST:
        return plain.group(1)
    try:
        at = authority.rfind("@")
        if at >= 0:
            authority = authority[at + 1 :]
        if authority.startswith("["):
            close = authority.find("]")
            hostpart = authority[: close + 1] if close > 0 else authority
        else:
            colon = authority.rfind(":")
            one_colon = colon >= 0 and authority.count(":") == 1
            hostpart = authority[:colon] if one_colon else authority
        return normalize_host(hostpart)
    except Exception:  # the parser must never raise
        return ""


def split_rest(rest: str) -> tuple[str, str]:
    """``(path, query)`` of what follows the authority: the path decoded, lower-cased and
    without its outer ``/``, the query lower-cased; the fragment dropped. Never raises."""
    try:
        hash_at = rest.find("#")
        if hash_at >= 0:
            rest = rest[:hash_at]
        query = ""
        q = rest.find("?")
        if q >= 0:
            rest, query = rest[:q], rest[q + 1 :].lower()
        if "\\" in rest:
            rest = rest.replace("\\", "/")
        return normalize_path(rest), query
    except Exception:  # the parser must never raise
        return "", ""


def split_url(url: str) -> tuple[str, str, str]:
    """``(host, path, query)`` of a request URL, a ``host:port`` (CONNECT) or a bare host.

    Scheme, user info, port and fragment are dropped; the host is normalized, the path is
    decoded and lower-cased without its leading and trailing ``/``, the query lower-cased.
    Never raises; the host is ``""`` when the URL has none that is usable.
    """
    try:
        authority, rest = split_authority(url)
        host = authority_host(authority)
        if not host:
            return "", "", ""
        path, query = split_rest(rest)
        return host, path, query
    except Exception:  # the parser must never raise
        return "", "", ""


def host_suffixes(host: str) -> list[str]:
    """The host and each parent domain with at least two labels, most specific first.

    IP literals have no parents. ``www.x.example.com`` gives ``www.x.example.com``,
    ``x.example.com``, ``example.com``.
    """
    if host[0] == "[" or (host[-1].isdigit() and ip_literal(host)):
        return [host]
    out = [host]
    i = host.find(".")
    while i >= 0:
        rest = host[i + 1 :]
        if "." not in rest:
            break
        out.append(rest)
        i = host.find(".", i + 1)
    return out


def path_prefixes(path: str, query: str) -> list[str]:
    """The keys a URL rule can have for this path and query, longest first: the path with
    the query and with each leading part of the query that ends before a ``&``, then each
    prefix of the path that ends at a ``/``. ``a/b/c`` and ``q=1&r=2`` give
    ``a/b/c?q=1&r=2``, ``a/b/c?q=1``, ``a/b/c``, ``a/b``, ``a``."""
    if not path:
        return []
    out = []
    if query:
        full = path + "?" + query
        out.append(full)
        i = full.rfind("&")
        while i > len(path):
            out.append(full[:i])
            i = full.rfind("&", 0, i)
    out.append(path)
    i = path.rfind("/")
    while i > 0:
        out.append(path[:i])
        i = path.rfind("/", 0, i)
    return out
