"""A plain set-based reference implementation of list matching, and a request stream.

Deliberately simple and slow: Python sets of the normalized list entries, a walk over the
host's labels, ``str.startswith`` for URL prefixes and every expression tried in turn. The
engine's decisions are compared with it (tests and ``benchmarks/filter_helper.py``); the
two must not differ.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from openaup.engine.lists import ListSource, read_list
from openaup.engine.urls import split_url

__all__ = ["UT1_36", "Reference", "request_stream"]

# The 36 UT1 categories of the side-by-side benchmark (all blocked there).
UT1_36 = [
    "agressif",
    "dangerous_material",
    "gambling",
    "arjel",
    "games",
    "redirector",
    "vpn",
    "doh",
    "residential-proxies",
    "social_networks",
    "chat",
    "blog",
    "forums",
    "dating",
    "lingerie",
    "mixed_adult",
    "cryptojacking",
    "warez",
    "drogue",
    "hacking",
    "ddos",
    "shortener",
    "remote-control",
    "sect",
    "tricheur",
    "publicite",
    "filehosting",
    "download",
    "audio-video",
    "dynamic-dns",
    "stalkerware",
    "malware",
    "phishing",
    "bitcoin",
    "manga",
    "celebrity",
]


class Reference:
    def __init__(self, sources: Sequence[ListSource]) -> None:
        self.domains: dict[str, set[str]] = {}
        self.urls: dict[str, list[tuple[str, str]]] = {}
        self.expressions: list[tuple[str, re.Pattern[str]]] = []
        self.category = {s.name: s.category for s in sources}
        for source in sources:
            content = read_list(source)
            for entry in content.entries:
                if source.kind == "expressions":
                    self.expressions.append((source.name, re.compile(entry, re.IGNORECASE)))
                elif "/" in entry:
                    host, rest = entry.split("/", 1)
                    self.urls.setdefault(host, []).append((rest, source.name))
                else:
                    self.domains.setdefault(entry, set()).add(source.name)

    def matches(self, url: str) -> tuple[set[str], set[str]] | None:
        """(lists holding the host, a parent or a URL prefix; lists whose expression
        matches), or ``None`` for a URL without a usable host."""
        host, path, query = split_url(url)
        if not host:
            return None
        if host.startswith("[") or host.replace(".", "").isdigit():
            suffixes = [host]
        else:
            labels = host.split(".")
            suffixes = [".".join(labels[i:]) for i in range(max(1, len(labels) - 1))]
        found: set[str] = set()
        for suffix in suffixes:
            found |= self.domains.get(suffix, set())
            for rule, name in self.urls.get(suffix, ()):
                if "?" in rule:
                    full = f"{path}?{query}"
                    if path and (full == rule or full.startswith(rule + "&")):
                        found.add(name)
                elif path == rule or path.startswith(rule + "/"):
                    found.add(name)
        target = f"{host}/{path}?{query}" if query else f"{host}/{path}"
        by_expression = {name for name, rx in self.expressions if rx.search(target)}
        return found, by_expression

    def blocked(self, url: str, categories: set[str]) -> bool:
        """Blocked when any list of ``categories`` matches (and on a URL without a host)."""
        found = self.matches(url)
        if found is None:
            return True
        return any(self.category[name] in categories for name in found[0] | found[1])


def request_stream(
    ref: Reference,
    n: int,
    *,
    seed: int = 2026,
    listed: float = 0.25,
    sites: int | None = 20_000,
) -> list[str]:
    """``n`` request URLs, deterministic for a seed.

    About ``listed`` of them are on listed hosts drawn uniformly from the lists (half of
    those on a sub-domain of the listed one, some on listed URL prefixes): nearly every one
    is a host the engine has not seen. The others are on ``sites`` made-up sites whose
    popularity is skewed as on a real network (a few sites get most requests); with
    ``sites=None`` every one of them is a new host. Schemes, ports, ``host:443``
    (``CONNECT``), paths and query strings vary."""
    rng = random.Random(seed)
    domains = sorted(ref.domains)
    url_rules = sorted(f"{h}/{r}" for h, rules in ref.urls.items() for r, _ in rules)
    words = ["news", "img", "static", "cdn", "www", "m", "api", "shop", "video", "mail"]
    out: list[str] = []
    for i in range(n):
        scheme = ("http://", "https://", "http://")[i % 3]
        path = f"/{rng.choice(words)}/{rng.randrange(1000)}.html"
        if rng.random() < listed and domains:
            if url_rules and rng.random() < 0.05:
                out.append(f"http://{rng.choice(url_rules)}/x?id={i}")
                continue
            host = rng.choice(domains)
            if rng.random() < 0.5 and not host.startswith("["):
                host = f"{rng.choice(words)}.{host}"
        elif sites is None:
            host = f"{rng.choice(words)}.site{i}.example{rng.randrange(50)}.org"
        else:
            site = int(sites * rng.random() ** 3)
            host = f"{words[site % 10]}.site{site}.example{site % 50}.org"
        if i % 7 == 0:
            out.append(f"{host}:443")  # CONNECT
        elif i % 5 == 0:
            out.append(f"{scheme}{host}:8080{path}?q={i}")
        else:
            out.append(f"{scheme}{host}{path}")
    return out
