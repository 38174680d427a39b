"""``aup filter policy-template|compile|check``, run as the command a district runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from openaup.engine.cli import main
from openaup.engine.policy import DEFAULT_POLICY

from .conftest import LISTS, PLAIN, POLICY


def aup(*args: str) -> subprocess.CompletedProcess[str]:
    code = "import sys; from openaup.cli import main; main(sys.argv[1:])"
    return subprocess.run(
        [sys.executable, "-c", code, "filter", *args], capture_output=True, text=True, timeout=60
    )


def test_filter_commands_do_not_start_django() -> None:
    code = (
        "import sys\nfrom openaup.cli import main\n"
        "try:\n    main(['filter', 'policy-template'])\nexcept SystemExit:\n    pass\n"
        "print('django' in sys.modules, file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout == DEFAULT_POLICY
    assert done.stderr.strip() == "False"


def test_compile_and_check(tmp_path: Path) -> None:
    out = tmp_path / "filter.snap"
    done = aup("compile", "--lists", str(LISTS), str(PLAIN), "--policy", str(POLICY),
               "--out", str(out))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "bad line(s) skipped" in done.stderr
    assert "12 lists" in done.stdout
    done = aup("check", "--snapshot", str(out), "--profile", "elementary",
               "http://y.a.com/", "http://example.org/")  # fmt: skip
    assert done.returncode == 0, done.stderr
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first == {
        "url": "http://y.a.com/", "action": "block", "profile": "elementary",
        "category": "games", "list": "lists/games/domains", "rule": "block",
        "clause": "Student use", "key": "a.com", "reason": "category", "tag": "",
    }  # fmt: skip
    assert (second["action"], second["rule"]) == ("allow", "default")
    # without --profile the profile comes from the user name or address
    done = aup("check", "--snapshot", str(out), "--client-ip", "10.20.5.1", "http://a.com/")
    assert json.loads(done.stdout)["profile"] == "high"


def test_compile_with_the_default_policy(tmp_path: Path) -> None:
    out = tmp_path / "filter.snap"
    assert main(["compile", "--lists", str(LISTS), "--out", str(out)]) == 0
    assert main(["compile", "--lists", str(LISTS), "--out", str(out), "--strict"]) == 1


def test_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", "--snapshot", str(tmp_path / "none"), "http://a.com/"]) == 2
    assert "does not exist" in capsys.readouterr().err
    bad = tmp_path / "bad.toml"
    bad.write_text("[filter]\n")
    assert main(["compile", "--lists", str(LISTS), "--policy", str(bad),
                 "--out", str(tmp_path / "x")]) == 2  # fmt: skip
    assert "at least one profile" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()
    assert (
        main(["compile", "--lists", str(tmp_path / "nolists"), "--out", str(tmp_path / "x")]) == 2
    )
    assert "does not exist" in capsys.readouterr().err
    out = tmp_path / "ok.snap"
    assert main(["compile", "--lists", str(LISTS), "--out", str(out)]) == 0
    capsys.readouterr()
    assert main(["check", "--snapshot", str(out), "--profile", "nobody", "http://a.com/"]) == 2
    assert "no profile 'nobody'" in capsys.readouterr().err
