"""`imago serve`: the ASGI server (Uvicorn, imago.serving) with one task worker beside it.

The worker makes reminders and e-mail work in the embedded mode too; in production run the
worker (`imago db_worker`) and N servers as separate processes instead (README, deploy).
"""

from __future__ import annotations

import signal
import subprocess
import sys

from django.core.management.base import BaseCommand

from imago import serving


class Command(BaseCommand):
    help = "Serve the site over HTTP and WebSockets, with a task worker beside it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--no-worker", action="store_true", help="do not start a task worker")

    def handle(self, *args, host, port, no_worker, **options):
        worker = None
        if not no_worker:
            worker = subprocess.Popen([sys.executable, "-m", "imago", "db_worker", "--no-reload"])
        self.stdout.write(f"Serving on http://{host}:{port}/  (Ctrl-C stops)")
        # Uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the handler
        # that was in place before it; as SystemExit here, the finally below stops the worker
        # (the default handler would end the process and leave the worker running).
        signal.signal(signal.SIGTERM, _exit)
        try:
            serving.run("imago.asgi:application", host=host, port=port)
        finally:
            if worker is not None:
                worker.terminate()
                worker.wait(timeout=10)


def _exit(signum, frame):
    raise SystemExit(0)
