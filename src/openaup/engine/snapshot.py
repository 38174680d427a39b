"""The compiled snapshot: one file, written atomically, read through ``mmap``.

Layout (all integers little-endian; byte by byte in ``docs/engine.md``)::

    header   64 bytes  magic "AUPSNAP\\0", version u16, header size u16, parent filter
                       size u32 (log2 of its bits), build time u64 (Unix s), key count u64,
                       meta length u64, body length u64, checksum (BLAKE2b-128 of the body)
    body     meta      JSON (lists, category sets, expressions, the policy), padded to 8
             index     65,537 u32: first key position of each 16-bit hash prefix
             keys      key count u64, sorted: first 8 bytes of BLAKE2b of "<host>" / "<host>/<path>"
             values    key count u16: category-set id (bit 15: URL rules under this host),
                       padded to 8
             filter    a bit per low bits of a hash: set for every domain that some longer
                       host key ends with (``a.com`` of ``x.a.com``), so a look-up that
                       walks a host from its last two labels up stops early

Every process maps the same file, so the pages are shared through the page cache. A file
that is missing, short, of another version or whose checksum does not match raises
:class:`SnapshotError` on open.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import mmap
import os
import struct
import sys
from array import array
from bisect import bisect_left
from dataclasses import dataclass
from operator import methodcaller
from pathlib import Path
from typing import Any

if sys.byteorder != "little":  # pragma: no cover
    raise ImportError("the snapshot format is read in place and needs a little-endian machine")

from openaup.engine.files import write_atomically
from openaup.engine.policy import Policy, PolicyError, parse_policy

__all__ = [
    "HEADER",
    "MAGIC",
    "VERSION",
    "ListInfo",
    "Snapshot",
    "SnapshotError",
    "hash_keys",
    "key_hash",
    "parent_filter",
    "write_snapshot",
]

MAGIC = b"AUPSNAP\0"
VERSION = 2
HEADER = struct.Struct("<8sHHIQQQQ16s")
assert HEADER.size == 64
BUCKET_BITS = 16
BUCKETS = 1 << BUCKET_BITS
URL_FLAG = 0x8000
SET_MASK = 0x7FFF
# The parent filter has at least this many bits per domain it holds (a false "some key is
# longer" costs a look-up, never a wrong answer), and at least 64 bits.
FILTER_BITS_PER_DOMAIN = 16
_MIN_FILTER_LOG2 = 6
_MAX_FILTER_LOG2 = 32
_EMPTY: tuple[int, ...] = ()
_blake2b = hashlib.blake2b
_DIGEST = methodcaller("digest")


class SnapshotError(Exception):
    """The snapshot cannot be used (missing, unreadable, truncated, corrupt, wrong version)."""


def key_hash(key: str) -> int:
    """The 64-bit key of a host (``example.com``) or URL prefix (``example.com/path``): the
    first 8 bytes, little-endian, of its BLAKE2b digest. Stable across processes and
    machines (Python's ``hash()`` is not); a host never contains ``/``, a URL key always
    does, so the two kinds cannot be confused."""
    return int.from_bytes(_blake2b(key.encode()).digest()[:8], "little")


def hash_keys(keys: list[bytes]) -> array[int]:
    """:func:`key_hash` of many keys (already encoded) at once, as ``array('Q')``."""
    out = array("Q")
    digest = _DIGEST
    step = 1 << 16
    for start in range(0, len(keys), step):
        full = array("Q")
        full.frombytes(b"".join(map(digest, map(_blake2b, keys[start : start + step]))))
        out.extend(full[::8])
    return out


@dataclass(frozen=True, slots=True)
class ListInfo:
    """One compiled list: its name, category, kind, whether it is an allow-list, entries
    kept and lines skipped."""

    name: str
    category: str
    kind: str
    allow: bool
    entries: int
    bad: int
    bad_examples: tuple[str, ...] = ()
    expressions: tuple[str, ...] = ()


def _pad8(n: int) -> int:
    return (n + 7) & ~7


def parent_filter(hashes: array[int]) -> tuple[int, bytes]:
    """The parent filter of the key hashes of the domains that longer host keys end with:
    ``(log2 of its size in bits, its bytes)``. Bit ``h & (bits - 1)`` is set for each."""
    log2 = _MIN_FILTER_LOG2
    while (1 << log2) < FILTER_BITS_PER_DOMAIN * len(hashes) and log2 < _MAX_FILTER_LOG2:
        log2 += 1
    mask = (1 << log2) - 1
    bits = bytearray(1 << (log2 - 3))
    for h in hashes:
        i = h & mask
        bits[i >> 3] |= 1 << (i & 7)
    return log2, bytes(bits)


def write_snapshot(
    path: Path | str,
    *,
    keys: array[int],
    values: array[int],
    meta: dict[str, Any],
    parents: array[int] | None = None,
    built: datetime.datetime | None = None,
) -> int:
    """Write the snapshot to a temporary file beside ``path``, fsync it, rename it over
    ``path`` and fsync the folder. ``keys`` must be sorted and unique; ``parents`` are the
    key hashes of every domain that a longer host key ends with (:func:`parent_filter`;
    none when no host key has a parent). Returns the size."""
    if keys.typecode != "Q" or values.typecode != "H" or len(keys) != len(values):
        raise ValueError("keys must be array('Q') and values array('H') of the same length")
    path = Path(path)
    meta_bytes = json.dumps(meta, separators=(",", ":"), sort_keys=True).encode()
    meta_len = len(meta_bytes)
    index = array("I", bytes(4 * (BUCKETS + 1)))
    n = len(keys)
    pos = 0
    for b in range(BUCKETS + 1):
        pos = bisect_left(keys, b << (64 - BUCKET_BITS), pos) if b < BUCKETS else n
        index[b] = pos
    if index.itemsize != 4 or keys.itemsize != 8 or values.itemsize != 2:
        raise ValueError("this platform's array item sizes are not 4/8/2 bytes")
    filter_log2, filter_bits = parent_filter(parents if parents is not None else array("Q"))
    body_parts = [
        meta_bytes + bytes(_pad8(meta_len) - meta_len),
        index.tobytes() + bytes(_pad8(4 * (BUCKETS + 1)) - 4 * (BUCKETS + 1)),
        keys.tobytes(),
        values.tobytes() + bytes(_pad8(2 * n) - 2 * n),
        filter_bits,
    ]
    digest = hashlib.blake2b(digest_size=16)
    body_len = 0
    for part in body_parts:
        digest.update(part)
        body_len += len(part)
    when = built or datetime.datetime.now(datetime.UTC)
    header = HEADER.pack(
        MAGIC, VERSION, HEADER.size, filter_log2, int(when.timestamp()), n, meta_len, body_len,
        digest.digest(),
    )  # fmt: skip
    write_atomically(path, [header, *body_parts])
    return HEADER.size + body_len


class Snapshot:
    """An opened snapshot. Use :meth:`open`; :meth:`close` when done (or ``with``)."""

    path: Path
    policy: Policy
    lists: tuple[ListInfo, ...]
    category_sets: tuple[tuple[int, ...], ...]
    built: datetime.datetime
    key_count: int
    size: int
    inode: int
    mtime_ns: int
    meta: dict[str, Any]
    _mm: mmap.mmap
    _index: memoryview
    _keys: memoryview
    _values: memoryview
    _filter: memoryview
    _filter_mask: int

    def __init__(self) -> None:
        raise TypeError("use Snapshot.open(path)")

    @classmethod
    def open(cls, path: Path | str, *, verify: bool = True) -> Snapshot:
        """Map ``path`` and check it; :class:`SnapshotError` names what is wrong.

        ``verify`` recomputes the checksum (a few tens of milliseconds per 10 MB)."""
        path = Path(path)
        self = object.__new__(cls)
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            raise SnapshotError(f"snapshot {path} does not exist") from None
        except OSError as exc:
            raise SnapshotError(f"snapshot {path} cannot be opened: {exc.strerror}") from None
        try:
            st = os.fstat(fd)
            if st.st_size < HEADER.size:
                raise SnapshotError(f"snapshot {path} is truncated ({st.st_size} bytes)")
            mm = mmap.mmap(fd, 0, access=mmap.ACCESS_READ)
        except OSError as exc:
            raise SnapshotError(f"snapshot {path} cannot be mapped: {exc.strerror}") from None
        finally:
            os.close(fd)
        self._mm = mm
        try:
            self._load(path, mm, st, verify)
        except SnapshotError:
            self.close()
            raise
        except (ValueError, KeyError, TypeError, IndexError, struct.error, PolicyError) as exc:
            self.close()
            raise SnapshotError(f"snapshot {path} is corrupt: {exc}") from None
        return self

    def _load(self, path: Path, mm: mmap.mmap, st: os.stat_result, verify: bool) -> None:
        magic, version, hsize, filter_log2, built, n, meta_len, body_len, checksum = (
            HEADER.unpack_from(mm, 0)
        )
        if magic != MAGIC:
            raise SnapshotError(f"snapshot {path} is not an OpenAUP snapshot (bad magic)")
        if version != VERSION or hsize != HEADER.size:
            raise SnapshotError(
                f"snapshot {path} has format version {version}; this engine reads {VERSION}"
            )
        if not _MIN_FILTER_LOG2 <= filter_log2 <= _MAX_FILTER_LOG2:
            raise SnapshotError(
                f"snapshot {path} is corrupt (a parent filter of 2^{filter_log2} bits)"
            )
        index_len = _pad8(4 * (BUCKETS + 1))
        filter_len = 1 << (filter_log2 - 3)
        expected = _pad8(meta_len) + index_len + 8 * n + _pad8(2 * n) + filter_len
        if body_len != expected or HEADER.size + body_len != len(mm):
            raise SnapshotError(
                f"snapshot {path} is truncated or damaged: {len(mm)} bytes, "
                f"expected {HEADER.size + expected}"
            )
        view = memoryview(mm)
        self._view = view
        if verify:
            digest = hashlib.blake2b(view[HEADER.size :], digest_size=16).digest()
            if digest != checksum:
                raise SnapshotError(f"snapshot {path} is corrupt (checksum mismatch)")
        off = HEADER.size
        meta = json.loads(bytes(view[off : off + meta_len]))
        off += _pad8(meta_len)
        self._index = view[off : off + 4 * (BUCKETS + 1)].cast("I")
        off += index_len
        self._keys = view[off : off + 8 * n].cast("Q")
        off += 8 * n
        self._values = view[off : off + 2 * n].cast("H")
        off += _pad8(2 * n)
        self._filter = view[off : off + filter_len]
        self._filter_mask = (1 << filter_log2) - 1
        self.path = path
        self.meta = meta
        self.key_count = n
        self.size = len(mm)
        self.inode = st.st_ino
        self.mtime_ns = st.st_mtime_ns
        self.built = datetime.datetime.fromtimestamp(built, datetime.UTC)
        self.lists = tuple(
            ListInfo(
                name=item["name"],
                category=item["category"],
                kind=item["kind"],
                allow=bool(item["allow"]),
                entries=int(item["entries"]),
                bad=int(item["bad"]),
                bad_examples=tuple(item.get("bad_examples", ())),
                expressions=tuple(item.get("expressions", ())),
            )
            for item in meta["lists"]
        )
        self.category_sets = tuple(tuple(int(i) for i in s) for s in meta["sets"])
        self.policy = parse_policy(meta["policy"], origin=f"{path} (compiled policy)")

    @property
    def profiles(self) -> tuple[str, ...]:
        """The profile names of the compiled policy, in file order."""
        return tuple(self.policy.profiles)

    def lookup(self, h: int) -> int:
        """The value (category-set id, URL flag) stored for key hash ``h``; ``-1`` if none."""
        b = h >> 48
        index = self._index
        lo = index[b]
        hi = index[b + 1]
        if lo == hi:
            return -1
        keys = self._keys
        i = bisect_left(keys, h, lo, hi)
        if i < hi and keys[i] == h:
            return int(self._values[i])
        return -1

    def tables(self) -> tuple[memoryview, memoryview, memoryview]:
        """The bucket index (u32), the sorted keys (u64) and their values (u16), as views
        over the mapped file, for callers that inline :meth:`lookup`."""
        return self._index, self._keys, self._values

    def parent_filter(self) -> tuple[memoryview, int]:
        """The parent filter's bytes and mask: a key hash ``h`` of a domain that some longer
        host key ends with has bit ``h & mask`` set (byte ``i >> 3``, bit ``i & 7``). A
        clear bit means no host key is longer; a set bit may be a false positive."""
        return self._filter, self._filter_mask

    def has_longer_keys(self, h: int) -> bool:
        """Whether some host key may end with the domain of key hash ``h`` (false: none)."""
        i = h & self._filter_mask
        return bool(self._filter[i >> 3] >> (i & 7) & 1)

    def lists_for(self, value: int) -> tuple[int, ...]:
        """The list ids of a looked-up value (empty for a host that only has URL rules)."""
        if value < 0:
            return _EMPTY
        return self.category_sets[value & SET_MASK]

    def changed(self) -> bool:
        """Whether ``path`` now names another file (a new snapshot was renamed in) or is gone."""
        try:
            st = self.path.stat()
        except OSError:
            return True
        return st.st_ino != self.inode or st.st_mtime_ns != self.mtime_ns

    def close(self) -> None:
        """Unmap the file. The snapshot cannot be used afterwards."""
        for name in ("_keys", "_values", "_index", "_filter", "_view"):
            view = getattr(self, name, None)
            if isinstance(view, memoryview):
                view.release()
        mm = getattr(self, "_mm", None)
        if mm is not None:
            mm.close()

    def __enter__(self) -> Snapshot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<Snapshot {self.path} keys={self.key_count} built={self.built:%Y-%m-%dT%H:%M}Z>"
