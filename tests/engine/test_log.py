"""The decision log: files by day with a header, query strings left out, losses counted."""

from __future__ import annotations

import datetime
import threading
import time
from pathlib import Path

import pytest

from openaup.engine.decide import Engine
from openaup.engine.decision import Action, Decision, FilterRequest
from openaup.engine.log import COLUMNS, DecisionLog, default_log_dir


def _rows(path: Path) -> list[dict[str, str]]:
    lines = path.read_text().splitlines()
    assert lines[0] == "#" + "\t".join(COLUMNS)
    return [dict(zip(COLUMNS, line.split("\t"), strict=True)) for line in lines[1:]]


def test_every_decision_is_logged(engine: Engine, tmp_path: Path) -> None:
    log = DecisionLog(tmp_path).start()
    engine.log = log
    engine.decide(FilterRequest("http://y.a.com/p?secret=1", "10.20.1.2", "kid1"))
    engine.decide(FilterRequest("http://ok.example/", "10.9.9.9", ""), profile="staff")
    log.close()
    files = list(tmp_path.iterdir())
    today = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d")
    assert [f.name for f in files] == [f"{today}.tsv"]
    first, second = _rows(files[0])
    assert first["client_ip"] == "10.20.1.2"
    assert first["user"] == "kid1"
    assert first["profile"] == "elementary"
    assert first["host"] == "y.a.com"
    assert first["url"] == "y.a.com/p"  # no query string
    assert (first["action"], first["category"], first["rule"]) == ("block", "games", "block")
    assert second["user"] == "-"
    assert second["action"] == "allow"
    assert log.stats() == {"written": 2, "dropped": 0, "errors": 0}


def test_a_full_queue_drops_and_counts_but_never_blocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = DecisionLog(tmp_path, max_queue=10)  # not started: nothing drains the queue
    decision = Decision(Action.BLOCK, "elementary", "category", rule="block")
    started = time.perf_counter()
    for _ in range(1000):
        log.submit(FilterRequest("http://a.com/"), decision)
    assert time.perf_counter() - started < 1.0
    assert log.dropped == 990
    assert "decision log: " in capsys.readouterr().err


def test_a_failing_disk_counts_losses(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    log = DecisionLog(blocker / "filter-log").start()
    engine.log = log
    d = engine.decide(FilterRequest("http://y.a.com/"), profile="elementary")
    assert d.action is Action.BLOCK  # the decision still comes back, blocked
    log.close()
    assert log.dropped == 1
    assert log.errors == 1
    assert "write error" in capsys.readouterr().err


def test_concurrent_writers(engine: Engine, tmp_path: Path) -> None:
    log = DecisionLog(tmp_path).start()
    engine.log = log

    def work() -> None:
        for i in range(500):
            engine.decide(FilterRequest(f"http://h{i}.example/"), profile="guest")

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    log.close()
    (path,) = tmp_path.iterdir()
    assert len(_rows(path)) == 2000 == log.written


def test_tabs_and_newlines_cannot_break_a_line(tmp_path: Path) -> None:
    log = DecisionLog(tmp_path).start()
    log.submit(FilterRequest("http://x.example/", "1.2.3.4", "evil\tuser\nname"),
               Decision(Action.ALLOW, "p", "default"))  # fmt: skip
    log.close()
    (path,) = tmp_path.iterdir()
    (row,) = _rows(path)
    assert row["user"] == "evil user name"


def test_default_log_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("OPENAUP_DATA_DIR", str(tmp_path))
    assert default_log_dir() == tmp_path / "filter-log"
