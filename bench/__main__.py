"""The performance benchmark of OKR Tracker.

    python -m bench pages  [--runs 10] [--warmup 2] [--page dashboard.py ...] [--cold] [--no-gc]
    python -m bench load   --sessions N [--servers 1|2] [--duration S] [--think 2]
    python -m bench writes [--writers 20] [--checkins 50] [--databases sqlite,postgresql]
    python -m bench orgs   [--postgres]       # build (or check) the cached demo organisations

Results go to bench/results/<name>.json (or --out). See the "Performance" section of the
README for what the numbers mean and the bars they are held to.
"""

from __future__ import annotations

import argparse
import os
import sys

from db.engine import PROJECT_ROOT


def _csv(value: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in value.split(",") if v.strip())


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)

    pages = commands.add_parser("pages", help="time every page under AppTest, small vs large")
    pages.add_argument("--runs", type=int, default=10, help="timed runs per page (median)")
    pages.add_argument("--warmup", type=int, default=2, help="runs before timing, each turn")
    pages.add_argument("--rounds", type=int, default=2, help="turns small and large take")
    pages.add_argument("--page", action="append", default=[], help="only this page file")
    pages.add_argument("--sizes", type=_csv, default=("small", "large"))
    pages.add_argument("--role", default=None, help="measure as this role where it may")
    pages.add_argument("--cold", action="store_true", help="clear the caches before every run")
    gc = pages.add_mutually_exclusive_group()
    gc.add_argument(
        "--no-gc",
        dest="gc",
        action="store_false",
        default=None,
        help="runner.postScriptGC off for this run",
    )
    gc.add_argument("--gc", dest="gc", action="store_true", help="runner.postScriptGC on")
    pages.add_argument("--out", default=None)

    load = commands.add_parser("load", help="concurrent sessions over the websocket")
    load.add_argument("--sessions", type=int, required=True)
    load.add_argument("--servers", type=int, choices=(1, 2), default=1)
    load.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    load.add_argument("--think", type=float, default=2.0, help="seconds between two reruns")
    load.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default=None,
        help="default: sqlite with one server, postgresql with two",
    )
    load.add_argument("--size", default="large")
    load.add_argument(
        "--baseline",
        type=float,
        default=20.0,
        help="seconds of the single-session baseline (0: none)",
    )
    load.add_argument(
        "--warmup",
        type=float,
        default=0.0,
        help="seconds the N sessions run before the measured phase (caches fill)",
    )
    load.add_argument("--pages", type=_csv, default=None, help="url paths to visit")
    load.add_argument(
        "--server-option",
        action="append",
        default=[],
        help="extra `streamlit run` option, e.g. runner.postScriptGC=false",
    )
    load.add_argument(
        "--checkin-every",
        type=float,
        default=0.0,
        help="seconds between two check-ins written while the sessions run, into a copy of the org (0: none)",
    )
    load.add_argument("--port", type=int, default=8790, help="first port of the servers")
    load.add_argument("--out", default=None)

    writes = commands.add_parser("writes", help="concurrent check-ins: lost rows and errors")
    writes.add_argument("--writers", type=int, default=20)
    writes.add_argument("--checkins", type=int, default=50, help="check-ins per writer")
    writes.add_argument("--databases", type=_csv, default=("sqlite", "postgresql"))
    writes.add_argument("--size", default="large")
    writes.add_argument("--out", default=None)

    build = commands.add_parser("orgs", help="build the cached demo organisations")
    build.add_argument("--sizes", type=_csv, default=("small", "large"))
    build.add_argument("--postgres", action="store_true", help="also the PostgreSQL one(s)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    os.chdir(PROJECT_ROOT)  # .streamlit/config.toml applies, as for `streamlit run app.py`
    out = args.out if hasattr(args, "out") and args.out else None
    if args.command == "pages":
        from bench import pages

        pages.run(
            sizes=args.sizes,
            runs=args.runs,
            warmup=args.warmup,
            only=tuple(args.page),
            cold=args.cold,
            gc=args.gc,
            out=out and os.path.abspath(out),
            role=args.role,
            rounds=args.rounds,
        )
    elif args.command == "load":
        from bench import load

        load.run(
            sessions=args.sessions,
            servers=args.servers,
            duration=args.duration,
            think=args.think,
            database=args.database or ("postgresql" if args.servers > 1 else "sqlite"),
            size=args.size,
            baseline=args.baseline,
            warmup=args.warmup,
            pages=args.pages,
            server_options=tuple(args.server_option),
            port=args.port,
            out=out and os.path.abspath(out),
            checkin_every=args.checkin_every,
        )
    elif args.command == "writes":
        from bench import writes

        writes.run(
            writers=args.writers,
            checkins=args.checkins,
            databases=args.databases,
            size=args.size,
            out=out and os.path.abspath(out),
        )
    elif args.command == "orgs":
        from bench import orgs

        for size in args.sizes:
            print(orgs.sqlite_org(size))
            if args.postgres:
                print(orgs.postgres_org(size))
    return 0


if __name__ == "__main__":
    sys.exit(main())
