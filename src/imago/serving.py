"""The ASGI server of every imago web process: Uvicorn, on uvloop where it runs.

One place for the server's settings, so `imago serve` and the benchmark's bare relay
(bench/dialogue_load.py) run on the same server. Measured at 200 couples against Daphne, with
the relay on the same server each time: the app's server CPU per turn about 15 % lower and
turn-to-partner p99 25-48 ms -> 17 ms (BENCHMARKS.md). Imports nothing from Django.

    python -m imago.serving relay_app:application --port 9001
"""

from __future__ import annotations

import argparse
import gc
import threading

import uvicorn
from uvicorn.importer import import_from_string

# How often a serving process runs a full garbage collection (seconds); see collect_rarely.
FULL_COLLECTION_EVERY = 300.0


def run(app: str, *, host: str = "127.0.0.1", port: int = 8000) -> None:
    application = import_from_string(app)  # loaded before the freeze in collect_rarely
    collect_rarely()
    uvicorn.run(
        application,
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


def collect_rarely(every: float = FULL_COLLECTION_EVERY) -> threading.Event:
    """Full garbage collections on a clock instead of on allocation counts.

    A full collection walks every object the process keeps, and every socket of the process
    waits while it runs. What is loaded by now (the framework, the app) lives as long as the
    process: frozen, the collector no longer walks it (a busy server's full collections went
    from 120-320 ms to 40-70 ms). What remains is what the open screens hold, and a collection
    of it still took 15-25 ms at 200 couples, about once every 15 s per process, each time
    holding up every turn in flight on that process; those were the slowest turns of the
    benchmark (BENCHMARKS.md). The young generations still collect as before and free nearly
    all garbage; only the full collection moves to a timer thread, every `every` seconds, so
    garbage with reference cycles that reached the oldest generation waits that long.
    Returns an event that stops the clock when set (the tests use it)."""
    gc.freeze()
    young, middle, _ = gc.get_threshold()
    # The third threshold counts collections of the middle generation; this many never come.
    gc.set_threshold(young, middle, 1_000_000_000)

    stop = threading.Event()

    def collect() -> None:
        while not stop.wait(every):
            gc.collect()

    threading.Thread(target=collect, name="full-gc", daemon=True).start()
    return stop


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve an ASGI app as imago serves its own.")
    parser.add_argument("app", help="module:attribute, e.g. imago.asgi:application")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    run(args.app, host=args.host, port=args.port)


if __name__ == "__main__":
    main()
