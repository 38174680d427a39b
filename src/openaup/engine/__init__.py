"""The filter engine: category lists, the compiled snapshot, decisions and Squid helpers.

A library, not a Django app: it imports nothing from Django or the rest of OpenAUP, so a
district can run the filter without the web app (see ``docs/architecture.md``).

Use::

    snapshot = Snapshot.open(path)          # SnapshotError: missing, truncated, corrupt
    engine = Engine(snapshot, log=DecisionLog(directory).start())
    decision = engine.decide(FilterRequest(url, client_ip, user), profile=None)
    snapshot.changed()                      # True once another file was renamed in
    fail_closed_decision(profile, reason, snapshot.policy)   # no usable decision

Modules: ``urls`` (normalization), ``lists`` (lists in), ``policy`` (TOML policy),
``compiler`` and ``snapshot`` (the compiled file), ``decide`` (decisions), ``log`` (the
decision log), ``cli`` (``aup filter ...``).
"""

from __future__ import annotations
