"""Take screenshots of pages as a demo user, to look at them (and refresh docs/screenshots).

    python scripts/screenshots.py --database-url sqlite:////tmp/large.db --user member \
        --pages my-okrs log-progress set-goals --out /tmp/shots [--query "cycle=4"] \
        [--language vi]

Starts its own server on 127.0.0.1 (stopped at the end) and drives Debian's Chromium.
The page "sign-in" is the sign-in screen, taken before signing in. ``--language`` picks the
language in the sidebar's switch, before and after signing in (a sign-in applies the person's
saved language); the choice is saved for that person, as a click would.
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

from playwright.sync_api import expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
LANGUAGES = {"en": "English", "vi": "Tiếng Việt"}  # as the switch names them (core.i18n)


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


def choose_language(page, name: str) -> None:
    """Pick a language in the sidebar's switch (key "app.language.<shown>"), unless it is chosen."""
    switch = page.locator("[class*=st-key-app-language-]").get_by_role("combobox")
    if switch.input_value() == name:
        return
    switch.click()
    page.get_by_role("option", name=name, exact=True).click()
    expect(switch).to_have_value(name)
    settle(page)


def shoot(page, path: Path, started: float) -> None:
    """The whole page: Streamlit scrolls inside its main area, so the window grows to fit it."""
    size = page.viewport_size
    height = page.locator('[data-testid="stMain"]').evaluate("main => main.scrollHeight")
    if height > size["height"]:
        page.set_viewport_size({"width": size["width"], "height": height})
        page.wait_for_timeout(800)  # charts redraw at the new size
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)
    print(f"{path} ({time.monotonic() - started:.1f} s)")


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
    parser.add_argument("--language", choices=LANGUAGES, default="en")
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
            started = time.monotonic()
            page.goto(base)
            settle(page)
            language = LANGUAGES[args.language]
            choose_language(page, language)
            if "sign-in" in args.pages:
                shoot(page, args.out / f"{args.prefix}sign-in.png", started)
            # By key, not by label: the labels are in the chosen language.
            page.locator(".st-key-app-login-username input").fill(args.user)
            page.locator(".st-key-app-login-password input").fill(args.password)
            page.locator('[data-testid="stFormSubmitButton"] button').click()
            signed_in = page.get_by_test_id("stSidebarNav")  # only a signed-in person has pages
            signed_in.wait_for()
            settle(page)
            choose_language(page, language)
            for name in args.pages:
                if name == "sign-in":
                    continue
                started = time.monotonic()
                page.goto(f"{base}/{'' if name == 'my-okrs' else name}?{args.query}")
                signed_in.wait_for()
                settle(page)
                shoot(page, args.out / f"{args.prefix}{name}.png", started)
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)


if __name__ == "__main__":
    main()
