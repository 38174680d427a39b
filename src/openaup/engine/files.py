"""Files written whole or not at all: the snapshot, DNS zones, the policy file, lists.

A reader (a Squid helper, a resolver reloading its zone, the compiler) opens the path at
any moment and must find the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

__all__ = ["write_atomically"]


def write_atomically(
    path: Path | str, data: str | bytes | Iterable[bytes], *, mode: int = 0o644
) -> int:
    """Write ``data`` (text is UTF-8) to a temporary file beside ``path``, flush it to disk,
    give it ``mode`` (other users' processes read these files), rename it over ``path`` and
    flush the folder. Returns the number of bytes written. On any error the temporary file
    is removed, ``path`` is left as it was, and the error is raised."""
    path = Path(path)
    parts: Iterable[bytes]
    if isinstance(data, str):
        parts = (data.encode(),)
    elif isinstance(data, bytes):
        parts = (data,)
    else:
        parts = data
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    size = 0
    try:
        with os.fdopen(fd, "wb") as out:
            for part in parts:
                out.write(part)
                size += len(part)
            out.flush()
            os.fsync(out.fileno())
        Path(tmp).chmod(mode)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    try:
        dir_fd = os.open(path.parent, os.O_RDONLY)
    except OSError:
        return size
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)
    return size
