"""The ``aup`` command: Django's management commands plus OpenAUP's own.

``aup migrate``, ``aup createsuperuser`` and every other Django command work as under
``manage.py``; OpenAUP adds ``aup serve``, ``aup backup``, ``aup restore``, ``aup roster``
and ``aup demo``. ``aup help`` lists them all. ``aup filter ...`` runs the filter engine's
commands without starting Django (``docs/filter-policy.md``), except ``aup filter lists
...``, which manages the list sources kept in the database.
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:2] == ["filter", "lists"]:
        args = ["filter_lists", *args[2:]]  # list sources live in the database
    elif args[:1] == ["filter"]:
        from openaup.engine.cli import main as filter_main

        sys.exit(filter_main(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openaup.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["aup", *args])


if __name__ == "__main__":
    main()
