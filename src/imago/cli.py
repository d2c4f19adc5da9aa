"""The operator's tool: `imago serve`, `imago demo`, `imago coach` and every Django management
command."""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["coach"]:
        # The coach needs no Django: it answers without loading the web app.
        from imago.coach.cli import main as coach

        raise SystemExit(coach(args[1:]))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["imago", *args])


if __name__ == "__main__":
    main()
