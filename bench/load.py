"""`python -m bench load`: concurrent signed-in sessions against real `streamlit run` servers.

No browser: each session speaks Streamlit's own protocol over its websocket
(``/_stcore/stream``, subprotocol ``streamlit``): it sends a ``BackMsg.rerun_script`` whose
``ClientState.page_name`` chooses the page (and whose query string is the one the app last
set for that page, as a browser's address bar would be) and times until the server's
``ForwardMsg.script_finished``. Sessions sign in as a browser that signed in earlier does: each
simulated person gets a live server-side session before the run (``start_session``, as a
right password would), and sends the cookie the app sets for it (shell/auth.py: the session's
token in an HS256 JWT, keyed with the servers' ``OKR_COOKIE_KEY``). They are real people of
the organisation, of every role, and visit their pages in a weighted mix with about ``think``
seconds between two reruns.

The run has two phases in the same servers: one session alone (the baseline), then N
sessions, which first warm up for ``warmup`` seconds (their first visits; not measured) and
are then measured, as people who keep a tab open would be. Servers listen on 127.0.0.1 only and are stopped at the end; their memory (RSS) is
sampled every second. Bar P3: p95 under load <= 3 x the single-session p50.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import jwt
from sqlalchemy import create_engine, make_url, select, text

from bench import orgs
from bench.common import (
    BENCH_COOKIE_KEY,
    cookie_name,
    machine,
    median,
    page_specs,
    percentile,
    table,
    write_result,
)
from db.engine import PROJECT_ROOT

P3_FACTOR = 3.0
ROLE_MIX = ("member",) * 7 + ("lead",) * 2 + ("executive",)  # one session in ten an executive
ADMIN_EVERY = 25  # and one in 25 the admin
# How often each page is visited, relative to the others (pages a role lacks are skipped).
PAGE_WEIGHTS = {
    "my-okrs": 4,
    "log-progress": 3,
    "dashboard": 2,
    "set-goals": 1,
    "alignment": 1,
    "review": 1,
    "people": 1,
    "kudos": 1,
    "leaderboard": 1,
    "account": 0.5,
    "admin": 1,
}
ROLE_PAGES = {
    "member": (
        "my-okrs",
        "log-progress",
        "set-goals",
        "dashboard",
        "alignment",
        "people",
        "kudos",
        "leaderboard",
        "account",
    ),
}
ROLE_PAGES["lead"] = ROLE_PAGES["executive"] = (*ROLE_PAGES["member"], "review")
ROLE_PAGES["admin"] = (*ROLE_PAGES["lead"], "admin")


def auth_cookie(token: str, key: str = BENCH_COOKIE_KEY, days: float = 1) -> str:
    """The cookie the app sets for a server-side session: shell.auth.cookie_value's format,
    written out here because importing shell.auth would load Streamlit into the driver
    (tests/bench checks that shell.auth reads it back)."""
    expires_at = datetime.now() + timedelta(days=days)
    return jwt.encode({"sid": token, "exp": int(expires_at.timestamp())}, key, algorithm="HS256")


# --- servers ---------------------------------------------------------------------------------


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path
    rss_mb: list[tuple[float, float]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/_stcore/stream"

    def cpu_seconds(self) -> float | None:
        """User + system CPU time the server process has used so far."""
        try:
            fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def rss(self) -> float | None:
        try:
            for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
        except OSError:
            return None
        return None


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port from {start}")


def start_server(database_url: str, port: int, options: tuple[str, ...], log_dir: Path) -> Server:
    env = dict(os.environ, OKR_DATABASE_URL=database_url, OKR_COOKIE_KEY=BENCH_COOKIE_KEY)
    env.pop("OKR_ENV", None)
    command = [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        "app.py",
        "--server.address",
        "127.0.0.1",
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
    ]
    for option in options:
        name, _, value = option.partition("=")
        command += [f"--{name.removeprefix('--')}", value]
    log = log_dir / f"server-{port}.log"
    with open(log, "w") as output:
        process = subprocess.Popen(
            command,
            cwd=PROJECT_ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return Server(port, process, log)


def wait_healthy(server: Server, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server on {server.port} exited; see {server.log}")
        with (
            contextlib.suppress(OSError),
            urllib.request.urlopen(
                f"http://127.0.0.1:{server.port}/_stcore/health", timeout=2
            ) as answer,
        ):
            if answer.status == 200:
                return
        time.sleep(0.3)
    raise RuntimeError(f"server on {server.port} not healthy after {timeout} s")


def stop_server(server: Server) -> None:
    """Stop a server this benchmark started (its own process group, by id)."""
    if server.process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(server.process.pid, signal.SIGTERM)
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=5)


# --- people ----------------------------------------------------------------------------------


def people(database_url: str, count: int) -> list[tuple[str, str]]:
    """(username, role) for `count` sessions: distinct real people in the role mix."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            by_role = {
                role: [
                    u
                    for (u,) in connection.execute(
                        text(
                            "SELECT username FROM users WHERE active AND role = :r "
                            "ORDER BY id LIMIT :n"
                        ),
                        {"r": role, "n": count},
                    )
                ]
                for role in ("member", "lead", "executive", "admin")
            }
    finally:
        engine.dispose()
    chosen, used = [], {role: 0 for role in by_role}
    for number in range(count):
        role = "admin" if number % ADMIN_EVERY == ADMIN_EVERY - 1 else ROLE_MIX[number % 10]
        names = by_role[role]
        chosen.append((names[used[role] % len(names)], role))
        used[role] += 1
    return chosen


def sign_in(database_url: str, persons: list[tuple[str, str]]) -> list[tuple[str, str, str]]:
    """(username, role, session token): each simulated person signed in once, before the
    servers start, as a right password would (one transaction). The sessions stay in the
    organisation's database (a few hundred rows, ended by their 7-day lifetime; the cached
    organisations are rebuilt every day anyway)."""
    from core.accounts import SessionPolicy
    from db.commands.sign_in import start_session
    from db.engine import make_engine, make_sessionmaker, transaction
    from db.models import User, utcnow

    engine = make_engine(database_url)
    try:
        with transaction(make_sessionmaker(engine)) as session:
            names = {username for username, _ in persons}
            found = session.execute(select(User.username, User.id).where(User.username.in_(names)))
            ids = dict(found.all())
            now, policy = utcnow(), SessionPolicy()
            return [
                (
                    username,
                    role,
                    start_session(session, ids[username], "password", None, now, policy),
                )
                for username, role in persons
            ]
    finally:
        engine.dispose()


# --- sessions --------------------------------------------------------------------------------


@dataclass
class Sample:
    phase: str
    page: str
    role: str
    at: float  # seconds since the phase started
    ms: float
    first: bool  # the session's first run: sign-in by cookie, its caches cold
    ok: bool


@dataclass
class Phase:
    name: str
    started: float = 0.0
    samples: list[Sample] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    server_cpu_s: float = 0.0  # CPU time the servers used during the phase
    elapsed_s: float = 0.0

    def measure(self, servers: list[Server]) -> _PhaseClock:
        return _PhaseClock(self, servers)


class _PhaseClock:
    """Wall time of a phase and the CPU time its servers used meanwhile."""

    def __init__(self, phase: Phase, servers: list[Server]):
        self.phase, self.servers = phase, servers

    def __enter__(self) -> None:
        self.cpu = sum(s.cpu_seconds() or 0.0 for s in self.servers)
        self.phase.started = time.monotonic()

    def __exit__(self, *_exc) -> None:
        self.phase.elapsed_s = time.monotonic() - self.phase.started
        self.phase.server_cpu_s = sum(s.cpu_seconds() or 0.0 for s in self.servers) - self.cpu


def _default_page() -> str:
    return next((p.url_path for p in page_specs() if p.default), "")


def _rerun(page: str, query: str, default: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    message = BackMsg()
    # The default page lives at the app's root: its page name is "" (as in a browser).
    message.rerun_script.page_name = "" if page == default else page
    message.rerun_script.query_string = query
    message.rerun_script.widget_states.SetInParent()
    return message.SerializeToString()


async def _one_run(ws, page: str, queries: dict[str, str], default: str) -> tuple[bool, str | None]:
    """Send a rerun and read until it finished; (ok, problem)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    await ws.send(_rerun(page, queries.get(page, ""), default))
    problem = None
    while True:
        message = ForwardMsg()
        message.ParseFromString(await ws.recv())
        kind = message.WhichOneof("type")
        if kind == "script_finished":
            status = message.script_finished
            if status == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                problem = problem or "compile error"
            return problem is None, problem
        if kind == "page_info_changed":
            queries[page] = message.page_info_changed.query_string
        elif kind == "page_not_found":
            problem = f"page not found: {page}"
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            which = element.WhichOneof("type")
            if which == "exception":
                problem = f"exception: {element.exception.message[:200]}"
            elif which == "alert" and "Something went wrong" in element.alert.body:
                problem = "page error: " + element.alert.body[:120]
        elif kind == "navigation" and any(
            p.page_name == "Sign in" for p in message.navigation.app_pages
        ):
            problem = "not signed in (the cookie was not accepted)"


async def session(
    number: int,
    server: Server,
    person: tuple[str, str, str],
    phase: Phase | tuple[Phase, ...],
    until: float,
    think: float,
    pages: tuple[str, ...] | None,
    seed: int,
    stagger: bool = True,
) -> None:
    import websockets

    phases = phase if isinstance(phase, tuple) else (phase,)
    username, role, token = person
    rng = random.Random(seed * 1000 + number)
    choices = [p for p in (pages or ROLE_PAGES[role]) if p in ROLE_PAGES[role]]
    weights = [PAGE_WEIGHTS.get(p, 1) for p in choices]
    queries: dict[str, str] = {}
    default = _default_page()
    if stagger:
        await asyncio.sleep(rng.uniform(0, think))  # spread the first runs out
    headers = {"Cookie": f"{cookie_name()}={auth_cookie(token)}"}
    try:
        async with websockets.connect(
            server.url,
            subprotocols=["streamlit"],
            additional_headers=headers,
            max_size=None,
            proxy=None,
            open_timeout=60,
            ping_interval=None,
        ) as ws:
            first = True
            while time.monotonic() < until:
                page = choices[0] if first else rng.choices(choices, weights)[0]
                started = time.perf_counter()
                try:
                    ok, problem = await asyncio.wait_for(_one_run(ws, page, queries, default), 120)
                except TimeoutError:
                    ok, problem = False, "no answer within 120 s"
                elapsed = (time.perf_counter() - started) * 1000
                now = time.monotonic()
                current = next(p for p in reversed(phases) if p.started <= now or p is phases[0])
                current.samples.append(
                    Sample(current.name, page, role, now - current.started, elapsed, first, ok)
                )
                if problem:
                    current.errors.append(f"{username} {page}: {problem}")
                first = False
                await asyncio.sleep(think * rng.uniform(0.5, 1.5))
    except Exception as error:  # a refused or dropped connection is a result, not a crash
        phases[-1].errors.append(f"{username}: {type(error).__name__}: {error}"[:300])


async def run_phase(
    servers: list[Server],
    persons: list[tuple[str, str, str]],
    duration: float,
    warmup: float,
    think: float,
    pages: tuple[str, ...] | None,
    seed: int,
) -> tuple[Phase | None, Phase]:
    """All sessions at once, each on its server (sticky: session i on server i mod n): the
    same sessions warm up (their first visits, the caches filling) and then are measured, as
    people who keep a tab open would be. Returns (warm-up, load)."""
    now = time.monotonic()
    warm = Phase("warmup", started=now) if warmup > 0 else None
    load_phase = Phase("load", started=now + warmup)
    phases = tuple(p for p in (warm, load_phase) if p)
    until = load_phase.started + duration
    clock = asyncio.create_task(_clock(phases, servers, until))
    sampler = asyncio.create_task(_sample_rss(servers, load_phase.started, until))
    await asyncio.gather(
        *(
            session(i, servers[i % len(servers)], person, phases, until, think, pages, seed)
            for i, person in enumerate(persons)
        )
    )
    await clock
    await _stop(sampler)
    return warm, load_phase


async def _clock(phases: tuple[Phase, ...], servers: list[Server], until: float) -> None:
    """Each phase's wall time and the CPU time its servers used, at the phases' edges."""
    edges = [p.started for p in phases] + [until]
    cpu = []
    for edge in edges:
        await asyncio.sleep(max(0.0, edge - time.monotonic()))
        cpu.append(sum(s.cpu_seconds() or 0.0 for s in servers))
    for number, phase in enumerate(phases):
        phase.elapsed_s = edges[number + 1] - edges[number]
        phase.server_cpu_s = cpu[number + 1] - cpu[number]


async def run_single(
    server: Server,
    persons: list[tuple[str, str, str]],
    duration: float,
    think: float,
    pages: tuple[str, ...] | None,
    seed: int,
) -> Phase:
    """The baseline: one session at a time, the same people and page mix as the load (the
    first ten people in turn), with a shorter pause (a lone session's latency does not
    depend on it) so that the baseline has enough runs."""
    phase = Phase("single")
    with phase.measure([server]):
        end = phase.started + duration
        sampler = asyncio.create_task(_sample_rss([server], phase.started, end))
        group = persons[:10]
        for number, person in enumerate(group):
            until = phase.started + duration * (number + 1) / len(group)
            pause = max(think / 4, 0.2)
            await session(number, server, person, phase, until, pause, pages, seed, stagger=False)
        await _stop(sampler)
    return phase


async def _stop(task: asyncio.Task) -> None:
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task


async def _sample_rss(servers: list[Server], started: float, until: float) -> None:
    await asyncio.sleep(max(0.0, started - time.monotonic()))
    while time.monotonic() < until + 5:
        for server in servers:
            rss = server.rss()
            if rss is not None:
                server.rss_mb.append((round(time.monotonic() - started, 1), round(rss, 1)))
        await asyncio.sleep(1.0)


# --- statistics ------------------------------------------------------------------------------


def summarise(phase: Phase) -> dict:
    steady = [s for s in phase.samples if not s.first and s.ok]
    first = [s.ms for s in phase.samples if s.first and s.ok]
    latencies = [s.ms for s in steady]
    per_page = {}
    for page in sorted({s.page for s in steady}):
        values = [s.ms for s in steady if s.page == page]
        per_page[page] = {
            "runs": len(values),
            "p50_ms": median(values),
            "p95_ms": percentile(values, 0.95),
        }
    return {
        "runs": len(phase.samples),
        "failed_runs": sum(not s.ok for s in phase.samples),
        "p50_ms": median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "p99_ms": percentile(latencies, 0.99),
        "p95_all_runs_ms": percentile([s.ms for s in phase.samples if s.ok], 0.95),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "first_run_p50_ms": median(first),
        "first_run_p95_ms": percentile(first, 0.95),
        "reruns_per_s": round(len(phase.samples) / phase.elapsed_s, 2),
        "server_cpu_share": round(phase.server_cpu_s / phase.elapsed_s, 2),
        "server_cpu_ms_per_rerun": (
            round(phase.server_cpu_s * 1000 / len(phase.samples), 1) if phase.samples else None
        ),
        "pages": per_page,
        "errors": sorted(set(phase.errors))[:20],
        "error_count": len(phase.errors),
    }


def memory_trend(samples: list[tuple[float, float]]) -> dict:
    """RSS over the measured phase (after any warm-up): flat when the median of its last
    quarter is within 5 % of the median of its first quarter."""
    if len(samples) < 8:
        return {"samples": len(samples)}
    values = [v for _, v in samples]
    quarter = max(1, len(values) // 4)
    first = median(values[:quarter])
    last = median(values[-quarter:])
    growth = (last - first) / first * 100 if first else 0.0
    minutes = (samples[-1][0] - samples[0][0]) / 60 or 1.0
    return {
        "start_mb": values[0],
        "first_quarter_mb": first,
        "last_quarter_mb": last,
        "max_mb": max(values),
        "growth_pct": round(growth, 1),
        "mb_per_minute": round((last - first) / (minutes * 3 / 4), 2),
        "flat": growth < 5.0,
    }


# --- the command -----------------------------------------------------------------------------


class CheckInStream:
    """People updating their goals while the sessions read: a check-in through the app's
    own write path (``db.commands.check_in``) every ``every`` seconds, from a thread, on 200
    key results drawn at random from the whole organisation, in turn (a check-in changes
    what shows that key result, and the organisation-wide figures: this measures what the
    caches are worth when the organisation is at work)."""

    def __init__(self, url: str, every: float) -> None:
        from bench.writes import sampled_writers
        from db.engine import make_engine, make_sessionmaker

        self.every = every
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.writers = sampled_writers(self.sessions, 200)
        self.count = 0
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="check-in stream", daemon=True)

    def __enter__(self) -> CheckInStream:
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._stop.set()
        self._thread.join(timeout=30)
        self.engine.dispose()

    def _run(self) -> None:
        from db.commands.checkins import CheckInInput, check_in
        from db.engine import transaction

        while not self._stop.wait(self.every):
            writer = self.writers[self.count % len(self.writers)]
            data = CheckInInput(
                key_result_id=writer.key_result_id,
                value=5000 + self.count,
                confidence=self.count % 11,
                note="bench load check-in",
            )
            try:
                with transaction(self.sessions) as session:
                    check_in(session, writer.actor, data)
                self.count += 1
            except Exception as error:  # counted and reported, never fatal to the run
                self.errors.append(f"{type(error).__name__}: {error}".splitlines()[0][:200])


@contextlib.contextmanager
def _writable_copy(url: str, into: Path) -> Iterator[str]:
    """The organisation copied, so that a run's check-ins leave the cached one as built: a
    file copy for SQLite, a database made from it as a template for PostgreSQL (dropped
    after the run)."""
    if url.startswith("sqlite"):
        source = Path(url.removeprefix("sqlite:///"))
        target = into / source.name
        shutil.copyfile(source, target)
        yield f"sqlite:///{target}"
        return
    source = make_url(url)
    copy = f"{source.database}_run_{os.getpid()}"
    admin = create_engine(source.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}"'))
            connection.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{source.database}"'))
        yield source.set(database=copy).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
        admin.dispose()


def database_for(database: str, size: str) -> str:
    if database == "sqlite":
        return orgs.sqlite_org(size).url
    return orgs.postgres_org(size).url


def run(
    sessions: int,
    servers: int = 1,
    duration: float = 60.0,
    think: float = 2.0,
    database: str = "sqlite",
    size: str = "large",
    baseline: float = 20.0,
    warmup: float = 0.0,
    pages: tuple[str, ...] | None = None,
    server_options: tuple[str, ...] = (),
    port: int = 8790,
    out: Path | None = None,
    seed: int = 6,
    record: bool = True,
    checkin_every: float = 0.0,
) -> dict:
    if not 1 <= sessions <= 500:
        raise SystemExit("--sessions must be between 1 and 500")
    if not 1 <= duration <= 3600:
        raise SystemExit("--duration must be between 1 and 3600 seconds")
    if servers > 1 and database == "sqlite":
        raise SystemExit("Several servers share one PostgreSQL database: use --database postgresql")
    url = database_for(database, size)
    copy = contextlib.ExitStack()  # with --checkin-every: the organisation's copy, removed after
    started: list[Server] = []
    try:
        if checkin_every:
            scratch = copy.enter_context(tempfile.TemporaryDirectory(prefix="okr-load-"))
            url = copy.enter_context(_writable_copy(url, Path(scratch)))
        persons = sign_in(url, people(url, sessions))
        log_dir = PROJECT_ROOT / "bench" / "cache" / "logs"
        log_dir.mkdir(parents=True, exist_ok=True)
        next_port = port
        for _ in range(servers):
            next_port = free_port(next_port)
            started.append(start_server(url, next_port, server_options, log_dir))
            next_port += 1
        for server in started:
            wait_healthy(server)
        phases = {}
        if baseline > 0:
            print(f"Baseline: one session for {baseline:g} s…", file=sys.stderr, flush=True)
            phases["single"] = asyncio.run(
                run_single(started[0], persons, baseline, think, pages, seed)
            )
            for server in started:
                server.rss_mb.clear()
        print(
            f"Load: {sessions} sessions on {servers} server(s) for {duration:g} s"
            + (f" after {warmup:g} s of warm-up" if warmup > 0 else "")
            + "…",
            file=sys.stderr,
            flush=True,
        )
        with (
            CheckInStream(url, checkin_every)
            if checkin_every
            else contextlib.nullcontext() as stream
        ):
            phases["warmup"], phases["load"] = asyncio.run(
                run_phase(started, persons, duration, warmup, think, pages, seed + 1)
            )
    finally:
        for server in started:
            stop_server(server)
        copy.close()
    result = {
        "sessions": sessions,
        "servers": servers,
        "database": database,
        "org": size,
        "duration_s": duration,
        "warmup_s": warmup,
        "think_s": think,
        "server_options": list(server_options),
        "checkin_every_s": checkin_every or None,
        "checkins": stream.count if checkin_every else 0,
        "checkin_errors": stream.errors[:10] if checkin_every else [],
        "roles": {r: sum(1 for _, role, _ in persons if role == r) for r in ROLE_PAGES},
        "single": summarise(phases["single"]) if "single" in phases else None,
        "warmup": summarise(phases["warmup"]) if phases["warmup"] else None,
        "load": summarise(phases["load"]),
        "memory": {
            str(s.port): {"trend": memory_trend(s.rss_mb), "rss_mb": s.rss_mb} for s in started
        },
        "machine": machine(),
    }
    if result["single"]:
        result["p3_by_page"] = p3_by_page(result)
        bound = P3_FACTOR * result["single"]["p50_ms"]
        result["p3"] = {
            "bound_ms": round(bound, 1),
            "p95_ms": result["load"]["p95_ms"],
            "ratio": round(result["load"]["p95_ms"] / result["single"]["p50_ms"], 2),
            "holds": result["load"]["p95_ms"] <= bound and result["load"]["failed_runs"] == 0,
        }
    if record:
        _record(result, out)
    print(report(result))
    return result


def p3_by_page(result: dict) -> dict:
    """Like for like: each page's p95 under load against 3 x its own single-session p50 (the
    page mix spreads latencies: a lone session's p95 is several times its p50 already)."""
    single = result["single"]["pages"]
    by_page = {}
    for page, stats in result["load"]["pages"].items():
        alone = single.get(page)
        if not alone or alone["runs"] < 3:
            continue
        by_page[page] = {
            "single_p50_ms": alone["p50_ms"],
            "load_p95_ms": stats["p95_ms"],
            "ratio": round(stats["p95_ms"] / alone["p50_ms"], 2),
            "holds": stats["p95_ms"] <= P3_FACTOR * alone["p50_ms"],
        }
    return by_page


def run_key(result: dict) -> str:
    key = f"{result['sessions']}x{result['servers']}-{result['database']}-{int(result['duration_s'])}s"
    if result.get("checkin_every_s"):
        key += f"-checkin-every-{result['checkin_every_s']:g}s"
    options = "-".join(o.replace("runner.", "") for o in result["server_options"])
    return f"{key}-{options}" if options else key


def _record(result: dict, out: Path | None) -> None:
    """load.json keeps one entry per configuration, so several runs build up the table."""
    import json

    from bench.common import RESULTS

    path = Path(out) if out else RESULTS / "load.json"
    runs = {}
    if path.exists():
        with contextlib.suppress(ValueError):
            runs = json.loads(path.read_text()).get("runs", {})
    runs[run_key(result)] = result
    write_result("load", {"runs": dict(sorted(runs.items()))}, path)


def report(result: dict) -> str:
    rows = []
    for name in ("single", "warmup", "load"):
        phase = result.get(name)
        if not phase:
            continue
        rows.append(
            [
                name,
                1 if name == "single" else result["sessions"],
                phase["runs"],
                phase["reruns_per_s"],
                phase["server_cpu_ms_per_rerun"],
                phase["server_cpu_share"],
                phase["p50_ms"],
                phase["p95_ms"],
                phase["first_run_p50_ms"],
                phase["failed_runs"],
            ]
        )
    lines = [
        f"{result['sessions']} sessions, {result['servers']} server(s), {result['database']} "
        f"({result['org']} org), {result['duration_s']:g} s after {result['warmup_s']:g} s of "
        f"warm-up, think {result['think_s']:g} s",
        "",
        table(
            [
                "phase",
                "sessions",
                "reruns",
                "reruns/s",
                "server CPU ms/rerun",
                "server CPU share",
                "p50 ms",
                "p95 ms",
                "first p50 ms",
                "failed",
            ],
            rows,
        ),
        "",
    ]
    page_rows = []
    for page, stats in result["load"]["pages"].items():
        single = (result.get("single") or {}).get("pages", {}).get(page, {})
        page_rows.append(
            [page, single.get("p50_ms", "—"), stats["p50_ms"], stats["p95_ms"], stats["runs"]]
        )
    lines += [
        table(["page", "single p50 ms", "load p50 ms", "load p95 ms", "runs"], page_rows),
        "",
    ]
    for port, memory in result["memory"].items():
        trend = memory["trend"]
        if "flat" in trend:
            lines.append(
                f"server {port}: RSS {trend['first_quarter_mb']:.0f} MB (first quarter) → "
                f"{trend['last_quarter_mb']:.0f} MB (last quarter), max {trend['max_mb']:.0f}: "
                f"{trend['growth_pct']:+.1f} % — {'flat' if trend['flat'] else 'GROWING'}"
            )
    if result.get("p3"):
        p3 = result["p3"]
        lines.append(
            f"P3: p95 {p3['p95_ms']:.0f} ms vs bound 3 × {result['single']['p50_ms']:.0f} = "
            f"{p3['bound_ms']:.0f} ms (ratio {p3['ratio']:.2f}) — "
            f"{'holds' if p3['holds'] else 'FAILS'}"
        )
    if result.get("p3_by_page"):
        held = [p for p, v in result["p3_by_page"].items() if v["holds"]]
        lines.append(
            f"P3 page by page (load p95 <= 3 × the page's single p50): {len(held)} of "
            f"{len(result['p3_by_page'])} pages hold" + (f" ({', '.join(held)})" if held else "")
        )
    if result.get("checkin_every_s"):
        lines.append(
            f"check-ins written while the sessions ran: {result['checkins']} (one every "
            f"{result['checkin_every_s']:g} s), {len(result['checkin_errors'])} errors"
        )
    if result["load"]["errors"]:
        lines.append("errors: " + "; ".join(result["load"]["errors"][:5]))
    return "\n".join(lines)
