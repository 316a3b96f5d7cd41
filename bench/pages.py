"""`python -m bench pages`: each page's script run under AppTest, small against large org.

For every page in PAGE_SPECS (shell/navigation.py, as the file is when the bench runs) and
every org size, one AppTest signs in through the real sign-in form as a demo login whose role sees the page,
switches to the page, runs it `warmup` times (the caches fill, as on a server that is in use)
and then `runs` times more; the median of those runs is the page's time. An empty Streamlit
page is timed the same way in the same process. Wall time is the bar; CPU time of the
process is recorded beside it because it is far less sensitive to other load on the machine.

Bars: P1 = large_ms / small_ms <= 1.5 (cost follows what the page shows, not the org's
size); P2 = large_ms / empty_ms <= 30.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from bench import orgs
from bench.common import (
    APP,
    BENCH_COOKIE_KEY,
    LOGIN_OF_ROLE,
    PASSWORD,
    PageInfo,
    machine,
    median,
    page_specs,
    table,
    write_result,
)

P1_BAR = 1.5
P2_BAR = 30.0
EMPTY_PAGE = "import streamlit as st\n"


@dataclass
class Timing:
    wall_ms: float  # AppTest.run(): the script run plus AppTest's reading of its output
    cpu_ms: float  # CPU time of the script's thread (queries on SQLite run in it)
    script_ms: float  # wall time of the script's thread alone (script, cleanup, post-run GC)
    error: str | None = None


_script_runs: list[tuple[float, float]] = []


def _record_script_runs() -> None:
    """Time every script run in its own thread: Streamlit's ScriptRunner._run_script covers
    the script, the clean-up after it and runner.postScriptGC's collection."""
    from streamlit.runtime.scriptrunner import script_runner

    runner = script_runner.ScriptRunner
    if getattr(runner._run_script, "_bench_timed", False):
        return
    original = runner._run_script

    def timed(self, *args, **kwargs):
        wall, cpu = time.perf_counter(), time.thread_time()
        try:
            return original(self, *args, **kwargs)
        finally:
            _script_runs.append(
                ((time.perf_counter() - wall) * 1000, (time.thread_time() - cpu) * 1000)
            )

    timed._bench_timed = True
    runner._run_script = timed


def _configure(gc: bool | None) -> None:
    os.environ.setdefault("OKR_COOKIE_KEY", BENCH_COOKIE_KEY)
    from streamlit import config, logger

    logger.set_log_level("error")
    _record_script_runs()
    _share_script_cache()

    if gc is not None:
        config.set_option("runner.postScriptGC", gc)


def _share_script_cache() -> None:
    """AppTest compiles the app and the page afresh on every run (a new ScriptCache each
    time); a server compiles each script once. Share one cache, as a server does, so a long
    page is not charged its compile time on every run."""
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test, local_script_runner

    if getattr(app_test.ScriptCache, "_bench_shared", False):
        return
    shared = ScriptCache()

    def one_cache() -> ScriptCache:
        return shared

    one_cache._bench_shared = True
    app_test.ScriptCache = one_cache
    local_script_runner.ScriptCache = one_cache


def _clear_caches() -> None:
    from shell import store

    store.clear_caches()


@dataclass
class Samples:
    """Timed runs of one page at one size (or of the empty page), gathered over rounds."""

    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    scripts: list[float] = field(default_factory=list)
    error: str | None = None

    def timing(self) -> Timing:
        return Timing(median(self.walls), median(self.cpus), median(self.scripts), self.error)


def _time_runs(
    at, runs: int, warmup: int, samples: Samples, before_each: Callable[[], None] | None = None
) -> Samples:
    for _ in range(warmup):
        at.run()
    for _ in range(runs):
        if before_each:
            before_each()
        _script_runs.clear()
        wall = time.perf_counter()
        at.run()
        samples.walls.append((time.perf_counter() - wall) * 1000)
        samples.scripts.append(sum(w for w, _ in _script_runs))
        samples.cpus.append(sum(c for _, c in _script_runs))
    samples.error = samples.error or _problem(at)
    return samples


def _problem(at) -> str | None:
    if at.exception:
        return at.exception[0].value[:300]
    for error in at.error:
        if "Something went wrong" in str(error.value):
            return str(error.value)[:300]
    return None


def empty_page(runs: int, warmup: int, samples: Samples) -> Samples:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_string(EMPTY_PAGE)
    at.run()
    return _time_runs(at, runs, warmup, samples)


def signed_in(role: str, timeout: float):
    """An AppTest of the real app, signed in through the sign-in form."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=timeout)
    at.run()
    next(t for t in at.text_input if t.label == "Username").input(LOGIN_OF_ROLE[role])
    next(t for t in at.text_input if t.label == "Password").input(PASSWORD)
    next(b for b in at.button if b.label == "Sign in").click()
    at.run()
    if not at.session_state["authentication_status"]:
        raise RuntimeError(f"could not sign in as {LOGIN_OF_ROLE[role]}: {_problem(at)}")
    return at


def time_page(
    page: PageInfo,
    urls: dict[str, str],
    runs: int,
    warmup: int,
    cold: bool,
    timeout: float,
    role: str,
    rounds: int,
) -> dict[str, Timing]:
    """Time the page at every size. The sizes take turns in ``rounds`` rounds (the caches are
    cleared and warmed again at each turn), so that a change in the machine's load while the
    page is measured weighs on small and large alike."""
    samples = {size: Samples() for size in urls}
    apps = {}
    for size, url in urls.items():
        os.environ["OKR_DATABASE_URL"] = url
        _clear_caches()  # cache keys do not include the database: never mix organisations
        try:
            apps[size] = signed_in(role, timeout)
            apps[size].switch_page(f"app_pages/{page.file}")
            apps[size].run()
        except Exception as error:  # a broken page must not stop the benchmark
            samples[size].error = f"{type(error).__name__}: {error}"[:300]
    per_round = max(1, -(-runs // rounds))
    for number in range(rounds):
        order = list(apps) if number % 2 == 0 else list(reversed(apps))
        for size in order:
            os.environ["OKR_DATABASE_URL"] = urls[size]
            _clear_caches()
            _time_runs(
                apps[size], per_round, warmup, samples[size], _clear_caches if cold else None
            )
    return {size: s.timing() for size, s in samples.items()}


def run(
    sizes: tuple[str, ...] = ("small", "large"),
    runs: int = 10,
    warmup: int = 2,
    only: tuple[str, ...] = (),
    cold: bool = False,
    gc: bool | None = None,
    timeout: float = 300,
    out: Path | None = None,
    role: str | None = None,
    rounds: int = 2,
) -> dict:
    _configure(gc)
    urls = {size: orgs.sqlite_org(size).url for size in sizes}
    specs = [p for p in page_specs() if not only or p.file in only]
    empty = empty_page(runs, warmup, Samples())
    pages: dict[str, dict] = {}
    for page in specs:
        who = role if role in page.roles else page.role
        entry: dict = {"role": who}
        timings = time_page(page, urls, runs, warmup, cold, timeout, who, rounds)
        for size, timing in timings.items():
            entry[f"{size}_ms"] = round(timing.wall_ms, 2)
            entry[f"{size}_cpu_ms"] = round(timing.cpu_ms, 2)
            entry[f"{size}_script_ms"] = round(timing.script_ms, 2)
            if timing.error:
                entry.setdefault("errors", {})[size] = timing.error
        pages[page.file] = entry
        _progress(page.file, entry, sizes)
        empty_page(max(1, runs // len(specs)), 1, empty)  # the empty page, between pages too
    result = {
        "empty_ms": median(empty.walls),
        "empty_cpu_ms": median(empty.cpus),
        "empty_script_ms": median(empty.scripts),
        "pages": pages,
        "settings": {
            "sizes": list(sizes),
            "runs": runs,
            "warmup": warmup,
            "rounds": rounds,
            "cold_cache": cold,
            "post_script_gc": _gc_option(),
            "database": "sqlite",
        },
        "machine": machine(),
    }
    if "small" in sizes and "large" in sizes:
        result["bars"] = bars(result)
    write_result("pages", result, out)
    print(report(result))
    return result


def _gc_option() -> bool:
    from streamlit import config

    return bool(config.get_option("runner.postScriptGC"))


def _progress(file: str, entry: dict, sizes: tuple[str, ...]) -> None:
    times = ", ".join(f"{s} {entry[f'{s}_ms']:.1f} ms" for s in sizes)
    problem = f" ERROR {entry['errors']}" if entry.get("errors") else ""
    print(f"  {file:<18} {entry['role']:<10} {times}{problem}", file=sys.stderr, flush=True)


def _ratio(a: float, b: float) -> float:
    return round(a / b, 2) if b and a == a and b == b else float("nan")


def bars(result: dict) -> dict:
    empty = result["empty_ms"]
    failing_p1, failing_p2 = [], []
    for file, entry in result["pages"].items():
        if entry.get("errors") or not _ratio(entry["large_ms"], entry["small_ms"]) <= P1_BAR:
            failing_p1.append(file)
        if entry.get("errors") or not _ratio(entry["large_ms"], empty) <= P2_BAR:
            failing_p2.append(file)
    return {
        "P1_large_over_small_max": P1_BAR,
        "P2_large_over_empty_max": P2_BAR,
        "P1_holds": not failing_p1,
        "P2_holds": not failing_p2,
        "P1_failing": failing_p1,
        "P2_failing": failing_p2,
    }


def report(result: dict) -> str:
    empty, sizes = result["empty_ms"], result["settings"]["sizes"]
    empty_cpu = result["empty_cpu_ms"]
    both = "small" in sizes and "large" in sizes
    headers = ["page", "role", *(f"{s} ms" for s in sizes)]
    if both:
        headers += ["P1 large/small", "P2 large/empty"]
    headers += [f"{s} CPU ms" for s in sizes]
    if both:
        headers += ["CPU large/small"]
    rows = []
    for file, entry in result["pages"].items():
        row = [file, entry["role"], *(f"{entry[f'{s}_ms']:.1f}" for s in sizes)]
        if both:
            p1 = _ratio(entry["large_ms"], entry["small_ms"])
            p2 = _ratio(entry["large_ms"], empty)
            row += [
                f"{p1:.2f}{'' if p1 <= P1_BAR else ' ✗'}",
                f"{p2:.1f}{'' if p2 <= P2_BAR else ' ✗'}",
            ]
        row += [f"{entry[f'{s}_cpu_ms']:.1f}" for s in sizes]
        if both:
            row += [f"{_ratio(entry['large_cpu_ms'], entry['small_cpu_ms']):.2f}"]
        if entry.get("errors"):
            row[0] += " (error)"
        rows.append(row)
    settings = result["settings"]
    lines = [
        f"Empty Streamlit page: {empty:.1f} ms (script thread CPU {empty_cpu:.1f} ms); "
        f"median of {settings['runs']} runs after {settings['warmup']} warm-up runs; "
        f"postScriptGC={settings['post_script_gc']}"
        + (", caches cleared before every run" if settings["cold_cache"] else ""),
        "ms: AppTest.run() wall time (the bar); CPU: CPU time of the script's thread.",
        "",
        table(headers, rows),
    ]
    if both:
        b = result["bars"]
        lines += [
            "",
            f"P1 (large/small <= {P1_BAR}): {'holds' if b['P1_holds'] else 'FAILS'}"
            + (f" — {', '.join(b['P1_failing'])}" if b["P1_failing"] else ""),
            f"P2 (large/empty <= {P2_BAR:g}): {'holds' if b['P2_holds'] else 'FAILS'}"
            + (f" — {', '.join(b['P2_failing'])}" if b["P2_failing"] else ""),
        ]
    return "\n".join(lines)
