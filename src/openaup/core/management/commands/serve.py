"""``aup serve``: run OpenAUP under gunicorn, with static files served by WhiteNoise, and
one background worker process (``aup worker``) beside it unless ``--no-worker``."""

from __future__ import annotations

import os
import subprocess
import sys
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.management.base import BaseCommand, CommandError
from gunicorn.app.base import BaseApplication


class _Server(BaseApplication):  # type: ignore[misc]
    """gunicorn, configured from our options instead of its command line."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from openaup.wsgi import application

        return application


class Command(BaseCommand):
    help = "Serve OpenAUP under a production WSGI server (gunicorn) with its static files."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--host", default=os.environ.get("OPENAUP_HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("OPENAUP_PORT", "8000")))
        parser.add_argument(
            "--workers",
            type=int,
            default=int(os.environ.get("OPENAUP_WORKERS", "2")),
            help="Worker processes (default 2, or OPENAUP_WORKERS).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            default=int(os.environ.get("OPENAUP_THREADS", "4")),
            help="Threads per worker (default 4, or OPENAUP_THREADS).",
        )
        parser.add_argument(
            "--no-worker",
            action="store_true",
            help="Do not start the background worker (run `aup worker` separately).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not 0 < options["port"] < 65536:
            raise CommandError(f"--port {options['port']}: expected 1-65535")
        manifest = getattr(staticfiles_storage, "manifest_name", None)
        if manifest and not staticfiles_storage.exists(manifest):
            raise CommandError(
                f"Static files are not collected in {settings.STATIC_ROOT}: "
                "run `aup collectstatic --noinput` first (`make run` does)."
            )
        bind = f"{options['host']}:{options['port']}"
        if ":" in options["host"]:
            bind = f"[{options['host']}]:{options['port']}"
        self.stdout.write(f"OpenAUP is serving on http://{bind}/ (Ctrl-C stops it)")
        self.stdout.flush()
        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen(
                [sys.executable, "-c", "from openaup.cli import main; main()", "worker"]
            )
        try:
            self._serve(bind, options)
        finally:
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    worker.kill()

    def _serve(self, bind: str, options: dict[str, Any]) -> None:
        _Server(
            {
                "bind": bind,
                "workers": options["workers"],
                "threads": options["threads"],
                "worker_class": "gthread",
                "accesslog": "-",
                "errorlog": "-",
                "timeout": 120,
                "control_socket_disable": True,
                "forwarded_allow_ips": os.environ.get("OPENAUP_FORWARDED_ALLOW_IPS", "127.0.0.1"),
            }
        ).run()
