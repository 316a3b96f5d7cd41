"""Take screenshots of pages as a demo user, to look at them (and refresh docs/screenshots).

    python scripts/screenshots.py --database-url sqlite:////tmp/large.db --user member \
        --pages my-okrs log-progress set-goals --out /tmp/shots [--query "cycle=4"]

Starts its own server on 127.0.0.1 (stopped at the end) and drives Debian's Chromium.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(database_url: str, port: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "OKR_DATABASE_URL": database_url,
        "OKR_COOKIE_KEY": os.environ.get("OKR_COOKIE_KEY", "screenshots-" + "k" * 40),
    }
    server = subprocess.Popen(
        [
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
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    raise SystemExit("the server did not start")


def settle(page) -> None:
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")
    page.wait_for_timeout(800)  # charts draw after the run ends


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--user", default="member")
    parser.add_argument("--password", default="okr-demo-2026")
    parser.add_argument("--pages", nargs="+", required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--prefix", default="")
    parser.add_argument("--query", default="")
    parser.add_argument("--width", type=int, default=1400)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    port = free_port()
    server = start(args.database_url, port)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": args.width, "height": 1000})
            page.set_default_timeout(120_000)
            base = f"http://127.0.0.1:{port}"
            page.goto(base)
            page.get_by_label("Username", exact=True).fill(args.user)
            page.get_by_label("Password", exact=True).fill(args.password)
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.get_by_role("button", name="Sign out").wait_for()
            for name in args.pages:
                started = time.monotonic()
                page.goto(f"{base}/{'' if name == 'my-okrs' else name}?{args.query}")
                page.get_by_role("button", name="Sign out").wait_for()
                settle(page)
                path = args.out / f"{args.prefix}{name}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"{path} ({time.monotonic() - started:.1f} s)")
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
