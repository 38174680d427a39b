"""Shared by the Squid helper tests: small lists, a policy, and a helper run as a process."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import time
from pathlib import Path

from openaup.engine.compiler import compile_snapshot
from openaup.engine.policy import parse_policy

POLICY = """
[filter]
default_profile = "guest"

[categories."audio-video"]
tag = "streaming"

[users]
"teacher1" = "staff"

[networks]
"10.9.0.0/16" = "staff"
"10.1.0.0/16" = "elementary"

[profiles.elementary]
minor = true
[[profiles.elementary.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult", "games"]
clause = "CIPA"

[profiles.guest]
minor = true
[[profiles.guest.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]

[profiles.staff]
fail_open = true
[[profiles.staff.rules]]
name = "cipa"
state = "locked_block"
categories = ["adult"]
"""

# A profile that allows nothing: every answer for it must be "blocked".
STRICT_POLICY = """
[filter]
default_profile = "kids"

[profiles.kids]
minor = true
default = "block"
"""

NL = b"\n"

LISTS_A = {
    "adult": ["bad.test", "a.test", "x.a.test"],
    "games": ["games.test"],
    "audio-video": ["tube.test"],
}
# The second snapshot: games.test is no longer listed, new.test now is.
LISTS_B = {
    "adult": ["bad.test", "a.test", "x.a.test", "new.test"],
    "games": ["other-games.test"],
    "audio-video": ["tube.test"],
}


def build_snapshot(
    root: Path,
    out: Path,
    lists: dict[str, list[str]] | None = None,
    policy: str = POLICY,
) -> Path:
    """Write ``lists`` in the UT1 layout under ``root`` and compile them to ``out``."""
    folder = root / f"lists-{os.urandom(4).hex()}"
    for category, domains in (lists or LISTS_A).items():
        (folder / category).mkdir(parents=True)
        (folder / category / "domains").write_text("\n".join(domains) + "\n")
    compile_snapshot([folder], parse_policy(policy), out)
    return out


def helper_command(kind: str, snapshot: Path, *extra: str) -> list[str]:
    cmd = [sys.executable, "-m", "openaup.engine.cli", kind, "--snapshot", str(snapshot)]
    if kind == "squid-rewrite" and "--block-url" not in extra:
        cmd += ["--block-url", "http://block.test/blocked"]
    if "--log-dir" not in extra:
        cmd.append("--no-log")
    return cmd + list(extra)


class HelperProcess:
    """A helper running as a child process, talked to through pipes as Squid does."""

    def __init__(self, cmd: list[str]) -> None:
        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            bufsize=0,
        )
        assert self.proc.stdin is not None
        assert self.proc.stdout is not None
        self.stdin = self.proc.stdin
        self.out_fd = self.proc.stdout.fileno()
        self._buf = b""

    def send(self, *lines: str | bytes) -> None:
        data = b"".join((x.encode() if isinstance(x, str) else x) + b"\n" for x in lines)
        self.stdin.write(data)
        self.stdin.flush()

    def read_lines(self, n: int, timeout: float = 10.0) -> list[str]:
        """Exactly ``n`` answer lines, failing if they do not all come within ``timeout``."""
        deadline = time.monotonic() + timeout
        while self._buf.count(b"\n") < n:
            left = deadline - time.monotonic()
            ready, _, _ = select.select([self.out_fd], [], [], max(left, 0))
            if not ready:
                raise AssertionError(
                    f"helper gave {self._buf.count(NL)} of {n} answers within {timeout} s; "
                    f"stderr: {self.stderr_so_far()!r}"
                )
            chunk = os.read(self.out_fd, 1 << 16)
            if not chunk:
                raise AssertionError(
                    f"helper closed its output after {self._buf.count(NL)} of {n} answers; "
                    f"exit {self.proc.poll()}, stderr: {self.stderr_so_far()!r}"
                )
            self._buf += chunk
        *lines, rest = self._buf.split(b"\n", n)
        self._buf = rest
        return [line.decode() for line in lines]

    def ask(self, *lines: str | bytes) -> list[str]:
        self.send(*lines)
        return self.read_lines(len(lines))

    def stderr_so_far(self) -> str:
        if self.proc.poll() is None:
            return "(still running)"
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> tuple[int, str, bytes]:
        """Close stdin; the exit status, stderr and any output not yet read."""
        self.stdin.close()
        rest = self.proc.stdout.read() if self.proc.stdout else b""
        assert self.proc.stderr is not None
        err = self.proc.stderr.read().decode(errors="replace")
        return self.proc.wait(timeout=10), err, self._buf + rest
