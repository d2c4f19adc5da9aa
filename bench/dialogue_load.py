"""Load benchmark of the live dialogue room (issue 3, "Speed"): turn-to-partner latency.

Starts, on 127.0.0.1 only:
  - a fresh PostgreSQL database `imago_bench` on the server named by DATABASE_URL (default
    postgres://postgres@127.0.0.1:5432/...), migrated, dropped again at the end;
  - two `python -m imago serve --no-worker` processes sharing it and the Redis channel layer
    (REDIS_URL, default redis://127.0.0.1:6379/0);
  - two processes serving bench/relay_app.py, the bare Channels relay (same Redis), on the
    app's own server (imago.serving: Uvicorn).

Then it makes N couples (two partners, a couple, one dialogue each, through the app's own
models and services), logs every partner in (django.contrib.auth.login into a stored session)
and runs two phases with the same N pairs, turns and pauses, --rounds times in turn (each
dialogue goes on where the round before left it); the p99s are of all rounds together:

  baseline  each pair: one socket on relay 1, one on relay 2; each message goes through the
            Redis group to the other; latency = send to receipt by the other socket.
  dialogue  partner A on server 1, partner B on server 2, following a scripted dialogue
            (accept, send, mirror, "not quite", mirror again, confirm, more, ...); latency =
            from the actor sending an event to the partner receiving a "view" whose seq
            includes it (the turn is stored, fanned out and rendered for the partner's seat).

Every loop is bounded by a count and a time limit (--seconds per phase, --timeout per wait).
Its last line reads exactly: couples=N p99_ms=X baseline_p99_ms=Y ratio=Z

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python bench/dialogue_load.py --couples 200
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import math
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from pathlib import Path

# The load generator reads two messages per turn (views of several kB): parsed with orjson (the
# app's own), its reading adds less to every latency it measures.
import orjson

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/imago_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
BENCH_DB = "imago_bench"

# Words of roughly the length people type in one turn.
SAID = (
    "When the dishes are left until the morning I feel tired before the day starts, and I "
    "start to think I carry the house alone."
)
MIRRORED = (
    "If I got it, you said that when the dishes wait until morning you feel tired early and "
    "alone with the house. Did I get it?"
)
MISSED = "Almost: it is less the dishes than feeling alone with it."


def script_for(turns: int) -> list[tuple[str, str, str]]:
    """(seat, action, text) for `turns` events: the answer to "is now a good time?", then
    chunks of send, mirror, "not quite", mirror again, confirm, there is more."""
    chunk = [
        ("a", "send", SAID),
        ("b", "mirror", MIRRORED),
        ("a", "correct", MISSED),
        ("b", "mirror", MIRRORED),
        ("a", "confirm", ""),
        ("a", "more", ""),
    ]
    script = [("b", "accept", "")]
    while len(script) < turns:
        script.extend(chunk)
    return script[:turns]


def check_script(script) -> None:
    """The engine itself must accept the script, or the run would measure refusals."""
    sys.path.insert(0, str(ROOT / "src"))
    from imago.dialogue import Action, Event, do_event, start

    state = start(sender="a")
    for seat, action, text in script:
        state = do_event(state, Event(Action(action), seat, text))


# Percentiles and CPU accounting.


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), math.ceil(p / 100 * len(sorted_values))))
    return sorted_values[rank - 1]


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


# Processes.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, seconds: float, path: str | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if path:
                urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2)
            else:
                socket.create_connection(("127.0.0.1", port), timeout=2).close()
            return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"nothing answered on 127.0.0.1:{port} within {seconds:.0f} s")


class Processes:
    """Child processes, each with its log file, stopped in reverse order."""

    def __init__(self, logdir: Path):
        self.logdir = logdir
        self.children: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict) -> subprocess.Popen:
        log = open(self.logdir / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        self.children.append((name, child))
        return child

    def stop(self) -> None:
        for _, child in reversed(self.children):
            child.terminate()
        for _, child in reversed(self.children):
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait(timeout=5)

    def errors(self) -> dict[str, int]:
        """Tracebacks each child wrote to its log."""
        return {
            name: (self.logdir / f"{name}.log").read_text(errors="replace").count("Traceback")
            for name, _ in self.children
        }


def database_create(admin_url: str) -> str:
    """A fresh `imago_bench` database on the server of admin_url; returns its URL."""
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(admin_url)
    with psycopg.connect(
        host=conf["HOST"] or "127.0.0.1",
        port=conf["PORT"] or 5432,
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{BENCH_DB}"')
    return admin_url.rsplit("/", 1)[0] + "/" + BENCH_DB


def database_drop(admin_url: str) -> None:
    import dj_database_url
    import psycopg

    conf = dj_database_url.parse(admin_url)
    with psycopg.connect(
        host=conf["HOST"] or "127.0.0.1",
        port=conf["PORT"] or 5432,
        user=conf["USER"],
        password=conf["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{BENCH_DB}" WITH (FORCE)')


def forget_stale_groups(redis_url: str, dialogue_ids: list[int]) -> None:
    """The fresh database numbers its dialogues from 1 again, so the Redis groups of an
    earlier run (dialogue-1, ...) may still list sockets of servers that were killed, and
    every group_send would also go to them. Their keys are removed, but only in a Redis
    database other than 0: database 0 may be shared with someone else's live rooms."""
    import redis

    client = redis.Redis.from_url(redis_url)
    db = client.connection_pool.connection_kwargs.get("db", 0)
    if db == 0:
        stale = sum(client.exists(f"asgi:group:dialogue-{i}") for i in dialogue_ids[:50])
        if stale:
            print(
                f"warning: {stale} dialogue groups already in Redis database 0; give the "
                "bench a database of its own (REDIS_URL=redis://127.0.0.1:6379/9)",
                flush=True,
            )
    else:
        for start in range(0, len(dialogue_ids), 500):
            chunk = dialogue_ids[start : start + 500]
            client.delete(*(f"asgi:group:dialogue-{i}" for i in chunk))
    client.close()


# The setup step: runs in its own process with django.setup() on the bench database.


def setup_couples(count: int, out: Path) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "imago.settings")
    import django

    django.setup()
    from django.contrib.auth import login
    from django.contrib.sessions.backends.db import SessionStore
    from django.test import RequestFactory

    from imago.accounts.models import User
    from imago.couples.models import Couple, Membership
    from imago.dialogues.services import dialogue_request

    def logged_in(user) -> str:
        request = RequestFactory().get("/")
        request.session = SessionStore()
        request.user = user
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session.save()
        return request.session.session_key

    rows = []
    for i in range(count):
        # No usable password: nobody logs in with these, and argon2 would only slow the setup.
        a = User.objects.create_user(email=f"a{i}@bench.invalid", display_name=f"A{i}")
        b = User.objects.create_user(email=f"b{i}@bench.invalid", display_name=f"B{i}")
        couple = Couple.objects.create()
        Membership.objects.create(couple=couple, person=a)
        Membership.objects.create(couple=couple, person=b)
        dialogue = dialogue_request(person=a)
        rows.append({"dialogue": dialogue.pk, "a": logged_in(a), "b": logged_in(b)})
    out.write_text(json.dumps(rows))


# The load.


@dataclass
class Phase:
    name: str
    latencies: list[float] = field(default_factory=list)
    turns: int = 0
    timeouts: int = 0
    refused: int = 0
    dropped: int = 0  # connections closed under us
    connect_failures: int = 0
    cut: int = 0  # turns not reached before --seconds ran out
    seconds: float = 0.0
    cpu: dict[str, float] = field(default_factory=dict)

    def summary(self) -> dict[str, float]:
        ms = sorted(v * 1000 for v in self.latencies)
        return {
            "p50": percentile(ms, 50),
            "p95": percentile(ms, 95),
            "p99": percentile(ms, 99),
            "max": ms[-1] if ms else 0.0,
            "turns_per_s": self.turns / self.seconds if self.seconds else 0.0,
        }

    def line(self) -> str:
        s = self.summary()
        cpu = " ".join(f"{k}={v:.0f}%" for k, v in self.cpu.items())
        return (
            f"[{self.name}] turns={self.turns} turns/s={s['turns_per_s']:.1f} "
            f"p50_ms={s['p50']:.1f} p95_ms={s['p95']:.1f} p99_ms={s['p99']:.1f} "
            f"max_ms={s['max']:.1f} timeouts={self.timeouts} refused={self.refused} "
            f"dropped={self.dropped} connect_failures={self.connect_failures} cut={self.cut} "
            f"seconds={self.seconds:.1f} cpu: {cpu}"
        )


def pooled(name: str, phases: list[Phase]) -> Phase:
    """One phase of all rounds: every latency and count together, CPU shares averaged over
    the time driven."""
    total = Phase(name)
    for phase in phases:
        total.latencies += phase.latencies
        for counter in ("turns", "timeouts", "refused", "dropped", "connect_failures", "cut"):
            setattr(total, counter, getattr(total, counter) + getattr(phase, counter))
        total.seconds += phase.seconds
    for key in phases[0].cpu if phases else ():
        total.cpu[key] = sum(p.cpu[key] * p.seconds for p in phases) / (total.seconds or 1)
    return total


class Refused(Exception):
    pass


class Socket:
    """One open screen. A reader task notes the arrival time of every message before parsing
    it and wakes whoever waits for that seq (views), client_id (acks) or message id (relay)."""

    def __init__(self, ws):
        self.ws = ws
        self.seq = -1
        self.seq_waiters: list[tuple[int, asyncio.Future]] = []
        self.id_waiters: dict[str, asyncio.Future] = {}
        self.first_view = asyncio.get_running_loop().create_future()
        self.reader = asyncio.create_task(self._read())

    def wait_seq(self, seq: int) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.seq_waiters.append((seq, future))
        return future

    def wait_id(self, key: str) -> asyncio.Future:
        future = asyncio.get_running_loop().create_future()
        self.id_waiters[key] = future
        return future

    async def _read(self):
        try:
            async for raw in self.ws:
                at = time.perf_counter()
                message = orjson.loads(raw)
                kind = message.get("type")
                # The actor's own view comes with its ack (imago's room).
                view = message if kind == "view" else message.get("view")
                if view is not None:
                    self.seq = max(self.seq, view["seq"])
                    if not self.first_view.done():
                        self.first_view.set_result(at)
                    waiting = []
                    for seq, future in self.seq_waiters:
                        if seq <= self.seq:
                            if not future.done():
                                future.set_result(at)
                        else:
                            waiting.append((seq, future))
                    self.seq_waiters = waiting
                if kind in ("ack", "relay"):
                    future = self.id_waiters.pop(message.get("client_id", ""), None)
                    if future is not None and not future.done():
                        future.set_result(at)
                elif kind == "refused":
                    future = self.id_waiters.pop(message.get("client_id", ""), None)
                    if future is not None and not future.done():
                        future.set_exception(Refused(message.get("message", "")))
        except Exception:  # closed under us: the waiters below hear of it
            pass
        finally:
            closed = ConnectionError("the socket closed")
            for future in [f for _, f in self.seq_waiters] + [
                *self.id_waiters.values(),
                self.first_view,
            ]:
                if not future.done():
                    future.set_exception(closed)
                    future.exception()  # a waiter may have gone: no "never retrieved" noise

    async def close(self):
        with suppress(Exception):
            await asyncio.wait_for(self.ws.close(), 5)
        self.reader.cancel()


async def open_socket(uri: str, origin: str, cookie: str | None, timeout: float) -> Socket:
    from websockets.asyncio.client import connect

    headers = {"Cookie": f"sessionid={cookie}"} if cookie else {}
    ws = await connect(
        uri,
        origin=origin,
        additional_headers=headers,
        open_timeout=timeout,
        ping_interval=None,  # no keep-alive traffic mixed into the measurement
        max_size=2**23,
        compression=None,
    )
    return Socket(ws)


async def wait_all(futures: list[asyncio.Future], timeout: float) -> None:
    """All of them, or the first failure, or TimeoutError."""
    done, pending = await asyncio.wait(
        futures, timeout=timeout, return_when=asyncio.FIRST_EXCEPTION
    )
    for future in done:
        if future.exception() is not None:
            for other in pending:
                other.cancel()
            raise future.exception()
    if pending:
        for other in pending:
            other.cancel()
        raise TimeoutError


async def connect_pairs(phase: Phase, targets, args) -> list[tuple[Socket, Socket] | None]:
    """Open both sockets of every pair, at most --connect-at-once at a time, within
    --seconds; a pair that cannot connect is left out (and counted)."""
    gate = asyncio.Semaphore(args.connect_at_once)

    async def one(target):
        async with gate:
            sockets = []
            try:
                for uri, origin, cookie, wants_view in target:
                    s = await open_socket(uri, origin, cookie, args.timeout)
                    sockets.append(s)
                    if wants_view:
                        await asyncio.wait_for(s.first_view, args.timeout)
                return tuple(sockets)
            except Exception:
                phase.connect_failures += 1
                for s in sockets:
                    await s.close()
                return None

    tasks = [asyncio.ensure_future(one(t)) for t in targets]
    done, pending = await asyncio.wait(tasks, timeout=args.seconds)
    for task in pending:
        task.cancel()
        phase.connect_failures += 1
    return [t.result() if t in done else None for t in tasks]


async def drive(phase: Phase, pairs, script, args, relay: bool, first_seq: int) -> None:
    """Every pair walks through the script at once, each with its own pauses; each dialogue
    is at first_seq when the phase begins."""
    rng = random.Random(7)
    started = time.perf_counter()
    deadline = started + args.seconds

    async def pair_run(pair, delay):
        await asyncio.sleep(delay)
        sockets = {"a": pair[0], "b": pair[1]}
        seq = first_seq
        for done_turns, (seat, action, text) in enumerate(script):
            if time.perf_counter() > deadline:
                phase.cut += len(script) - done_turns
                return
            actor, partner = sockets[seat], sockets["b" if seat == "a" else "a"]
            client_id = uuid.uuid4().hex
            if relay:
                message = {"type": "relay", "client_id": client_id, "action": action, "text": text}
                waits = [partner.wait_id(client_id)]
            else:
                message = {
                    "type": "event",
                    "action": action,
                    "text": text,
                    "client_id": client_id,
                    "expected_seq": seq,
                    # As after "send as it is": this measures the room; the coach's reading
                    # has its own benchmark (coach_bench.py).
                    "anyway": True,
                }
                # The partner's view with this turn; the actor's ack and its own fresh view.
                waits = [partner.wait_seq(seq + 1), actor.wait_id(client_id)]
                waits.append(actor.wait_seq(seq + 1))
            sent = time.perf_counter()
            try:
                await actor.ws.send(json.dumps(message))
                await wait_all(waits, args.timeout)
            except Refused:
                phase.refused += 1
                phase.cut += len(script) - done_turns - 1
                return
            except TimeoutError:
                phase.timeouts += 1
                phase.cut += len(script) - done_turns - 1
                return
            except Exception:
                phase.dropped += 1
                phase.cut += len(script) - done_turns - 1
                return
            phase.latencies.append(waits[0].result() - sent)
            phase.turns += 1
            seq += 1
            if args.think:
                await asyncio.sleep(args.think * rng.uniform(0.5, 1.5))

    live = [p for p in pairs if p is not None]
    tasks = [asyncio.ensure_future(pair_run(p, rng.uniform(0, args.think or 0.05))) for p in live]
    # Each pair stops itself at the deadline; the extra time lets the last waits time out.
    done, pending = await asyncio.wait(tasks, timeout=args.seconds + args.timeout + 5)
    for task in pending:
        task.cancel()
        phase.timeouts += 1
    phase.seconds = time.perf_counter() - started


async def run_phase(
    name, targets, script, args, watched: dict[str, list[int]], relay: bool, first_seq: int = 0
):
    phase = Phase(name)
    pairs = await connect_pairs(phase, targets, args)
    print(
        f"[{name}] connected {sum(p is not None for p in pairs)} pairs; "
        f"load average {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    await asyncio.sleep(1)  # let the arrival (presence) messages settle
    before = {k: sum(cpu_seconds(pid) for pid in pids) for k, pids in watched.items()}
    busy0, total0 = machine_ticks()
    t0 = time.perf_counter()
    # The load generator's own garbage collections would stop every socket it reads for tens
    # of ms (a full one took 80 ms, measured) and show as the servers' latency: during the
    # drive, what exists is frozen and the collector is off (it needs little memory).
    gc.collect()
    gc.freeze()
    gc.disable()
    try:
        await drive(phase, pairs, script, args, relay, first_seq)
    finally:
        gc.enable()
        gc.unfreeze()
    wall = time.perf_counter() - t0
    busy1, total1 = machine_ticks()
    for key, pids in watched.items():
        phase.cpu[key] = (sum(cpu_seconds(pid) for pid in pids) - before[key]) / wall * 100
    phase.cpu["machine"] = (busy1 - busy0) / max(1, total1 - total0) * 100 * os.cpu_count()
    phase.cpu["rest"] = phase.cpu["machine"] - sum(
        v for k, v in phase.cpu.items() if k != "machine"
    )
    await asyncio.gather(*(s.close() for p in pairs if p for s in p))
    print(phase.line(), flush=True)
    return phase


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--couples", type=int, default=50, help="pairs driven at once")
    parser.add_argument("--turns", type=int, default=12, help="events per couple and round")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="relay and dialogue phases in turn, pooled: one 15-s relay phase's p99 alone "
        "moved 1.6-2.9 ms from run to run (BENCHMARKS.md)",
    )
    parser.add_argument("--seconds", type=float, default=180, help="time cap per phase")
    parser.add_argument(
        "--think",
        type=float,
        default=1.0,
        help="mean pause between a pair's turns in seconds (0.5x-1.5x, random); 0 = none",
    )
    parser.add_argument("--timeout", type=float, default=15, help="longest wait for one reply")
    parser.add_argument("--connect-at-once", type=int, default=50)
    parser.add_argument(
        "--profile", metavar="PATH", help="py-spy record server 1 (raw stacks, GIL holder only)"
    )
    parser.add_argument("--setup-into", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.setup_into:  # the setup step, in its own process
        setup_couples(args.couples, args.setup_into)
        return

    if not 1 <= args.couples <= 2000 or not 1 <= args.turns <= 500 or not 1 <= args.rounds <= 20:
        raise SystemExit("--couples must be 1..2000, --turns 1..500 and --rounds 1..20")
    script = script_for(args.turns * args.rounds)
    check_script(script)
    admin_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    if not admin_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("DATABASE_URL must name a PostgreSQL server")
    for url in (admin_url, redis_url):
        if "127.0.0.1" not in url and "localhost" not in url:
            raise SystemExit(f"{url}: this benchmark only talks to 127.0.0.1")

    tmp = Path(tempfile.mkdtemp(prefix="imago-bench-"))
    logs = Path(tempfile.mkdtemp(prefix="imago-bench-logs-"))  # kept: read them afterwards
    procs = Processes(logs)
    with ExitStack() as cleanup:
        cleanup.callback(shutil.rmtree, tmp, ignore_errors=True)
        print(f"database: fresh {BENCH_DB}; redis: {redis_url}; logs in {logs}", flush=True)
        db_url = database_create(admin_url)
        cleanup.callback(database_drop, admin_url)
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DEBUG")}
        env |= {
            "DATABASE_URL": db_url,
            "REDIS_URL": redis_url,
            "IMAGO_DATA_DIR": str(tmp),  # one secret key and field key for every process
            "DJANGO_SETTINGS_MODULE": "imago.settings",
            "PYTHONUNBUFFERED": "1",
        }
        python = sys.executable
        t = time.perf_counter()
        subprocess.run(
            [python, "-m", "imago", "migrate", "--noinput"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=300,
        )
        rows_file = tmp / "couples.json"
        subprocess.run(
            [python, __file__, "--couples", str(args.couples), "--setup-into", str(rows_file)],
            env=env,
            cwd=ROOT,
            check=True,
            timeout=600,
        )
        rows = json.loads(rows_file.read_text())
        print(
            f"setup: migrated, {len(rows)} couples in {time.perf_counter() - t:.1f} s", flush=True
        )

        cleanup.callback(procs.stop)
        app_ports = [free_port(), free_port()]
        relay_ports = [free_port(), free_port()]
        servers = [
            procs.start(
                f"server{i + 1}",
                [python, "-m", "imago", "serve", "--no-worker", "--port", str(port)],
                env,
            )
            for i, port in enumerate(app_ports)
        ]
        relay_env = env | {"PYTHONPATH": str(BENCH)}
        relays = [
            procs.start(
                f"relay{i + 1}",
                # The app's own server and settings (imago.serving): the same setup.
                [python, "-m", "imago.serving", "relay_app:application", "--port", str(port)],
                relay_env,
            )
            for i, port in enumerate(relay_ports)
        ]
        for port in app_ports:
            wait_for_port(port, 60, "/api/health")
        for port in relay_ports:
            wait_for_port(port, 60)
        print(f"servers on {app_ports}, relays on {relay_ports}", flush=True)

        def app_target(row):
            return [
                (
                    f"ws://127.0.0.1:{port}/ws/dialogues/{row['dialogue']}/",
                    f"http://127.0.0.1:{port}",
                    row[seat],
                    True,
                )
                for seat, port in zip(("a", "b"), app_ports, strict=True)
            ]

        run = uuid.uuid4().hex[:8]
        forget_stale_groups(redis_url, [r["dialogue"] for r in rows])

        def relay_target(i):
            return [
                (f"ws://127.0.0.1:{port}/relay/{run}/{i}/", f"http://127.0.0.1:{port}", None, False)
                for port in relay_ports
            ]

        watched_app = {"servers": [s.pid for s in servers], "loadgen": [os.getpid()]}
        watched_relay = {"relays": [r.pid for r in relays], "loadgen": [os.getpid()]}
        print(
            f"driving {args.couples} pairs x {args.turns} turns, think {args.think} s, "
            f"cap {args.seconds:.0f} s per phase",
            flush=True,
        )
        baselines, dialogues = [], []
        for k in range(args.rounds):
            chunk = script[k * args.turns : (k + 1) * args.turns]
            label = f" {k + 1}/{args.rounds}" if args.rounds > 1 else ""
            baselines.append(
                asyncio.run(
                    run_phase(
                        f"baseline{label}",
                        [relay_target(i) for i in range(len(rows))],
                        chunk,
                        args,
                        watched_relay,
                        relay=True,
                    )
                )
            )
            profiler = None
            if args.profile and k == 0:
                profiler = subprocess.Popen(
                    [
                        shutil.which("py-spy") or str(Path(python).parent / "py-spy"),
                        "record",
                        "--gil",  # only the thread holding the GIL: CPU, not waiting
                        "--format",
                        "raw",
                        "-r",
                        "200",
                        "-d",
                        str(int(args.seconds)),
                        "-o",
                        args.profile,
                        "-p",
                        str(servers[0].pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            dialogues.append(
                asyncio.run(
                    run_phase(
                        f"dialogue{label}",
                        [app_target(r) for r in rows],
                        chunk,
                        args,
                        watched_app,
                        relay=False,
                        first_seq=k * args.turns,
                    )
                )
            )
            if profiler is not None:
                profiler.send_signal(2)  # SIGINT: py-spy writes what it has
                with suppress(subprocess.TimeoutExpired):
                    profiler.wait(timeout=30)
        baseline, dialogue = pooled("baseline", baselines), pooled("dialogue", dialogues)
        if args.rounds > 1:
            print(baseline.line(), flush=True)
            print(dialogue.line(), flush=True)
        errors = procs.errors()
        print(f"tracebacks in server logs: {errors}", flush=True)

    d, b = dialogue.summary(), baseline.summary()
    ratio = d["p99"] / b["p99"] if b["p99"] else float("inf")
    print(
        f"summary: dialogue p50/p95/p99 = {d['p50']:.1f}/{d['p95']:.1f}/{d['p99']:.1f} ms, "
        f"{d['turns_per_s']:.1f} turns/s; baseline p50/p95/p99 = "
        f"{b['p50']:.1f}/{b['p95']:.1f}/{b['p99']:.1f} ms, {b['turns_per_s']:.1f} msgs/s",
        flush=True,
    )
    print(
        f"couples={args.couples} p99_ms={d['p99']:.1f} baseline_p99_ms={b['p99']:.1f} "
        f"ratio={ratio:.2f}",
        flush=True,
    )


if __name__ == "__main__":
    main()
