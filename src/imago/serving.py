"""The ASGI server of every imago web process: Uvicorn, on uvloop where it runs.

One place for the server's settings, so `imago serve` and the benchmark's bare relay
(bench/dialogue_load.py) run on the same server. Measured at 200 couples against Daphne, with
the relay on the same server each time: the app's server CPU per turn about 15 % lower and
turn-to-partner p99 25-48 ms -> 17 ms (BENCHMARKS.md). Imports nothing from Django.

    python -m imago.serving relay_app:application --port 9001
"""

from __future__ import annotations

import argparse

import uvicorn


def run(app: str, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    uvicorn.run(
        app,
        host=host,
        port=port,
        # Django's ASGI handler has no lifespan events; "auto" would log that it tried.
        lifespan="off",
        # As Daphne before: no line per request (the reverse proxy logs those).
        access_log=False,
        # A dead phone's socket is noticed within about 40 s (ping, then its timeout), and
        # the partner's screen stops showing them as here.
        ws_ping_interval=20,
        ws_ping_timeout=20,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve an ASGI app as imago serves its own.")
    parser.add_argument("app", help="module:attribute, e.g. imago.asgi:application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    run(args.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
