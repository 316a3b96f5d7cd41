"""Browser tests: the real `streamlit run app.py` on a free local port, driven by Playwright.

Playwright drives Debian's Chromium (/usr/bin/chromium, or the path in OKR_CHROMIUM);
`playwright install` is not used. Without that browser the tests skip — unless
OKR_REQUIRE_BROWSER=1 (CI), where they fail.
Each server gets its own SQLite file, listens on 127.0.0.1 only and is stopped (its whole
process group) when the test ends. Screenshots go to test-artifacts/e2e/<test>/.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from db.demo import load_demo
from db.engine import make_engine
from db.migrate import upgrade_head

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "e2e"
CHROMIUM = Path(os.environ.get("OKR_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REQUIRE_BROWSER = os.environ.get("OKR_REQUIRE_BROWSER") == "1"
SERVER_START_TIMEOUT = 60  # seconds until /_stcore/health answers
UI_TIMEOUT_MS = 30_000  # Playwright's wait for any one element


def _browser_missing(reason: str) -> None:
    if REQUIRE_BROWSER:
        pytest.fail(f"{reason} (OKR_REQUIRE_BROWSER=1: browser tests must run)", pytrace=False)
    pytest.skip(reason)


# --- the app server ----------------------------------------------------------------------


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
        return False


def _stop(process: subprocess.Popen) -> None:
    """Stop the server and anything it started: its process group, by the server's PID."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        pass


def start_server(database_url: str, workdir: Path) -> Server:
    """`streamlit run app.py` on a free 127.0.0.1 port; returns once /_stcore/health answers."""
    port = free_port()
    env = {
        **os.environ,
        "OKR_DATABASE_URL": database_url,
        "OKR_COOKIE_KEY": "e2e-cookie-key-" + "k" * 40,
        "OKR_BCRYPT_ROUNDS": "4",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    }
    for variable in ("OKR_REFRESH_S", "OKR_SUMMARY_REFRESH_S"):
        env.pop(variable, None)  # servers as shipped (the unit and app tests set 0)
    log = workdir / f"streamlit-{port}.log"
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.address", "127.0.0.1",
        "--server.port", str(port),
        "--server.headless", "true",
    ]  # fmt: skip
    with log.open("wb") as out:
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so it is stopped as a whole
        )
    server = Server(f"http://127.0.0.1:{port}", process, log)
    deadline = time.monotonic() + SERVER_START_TIMEOUT
    while not _healthy(server.url):
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with {process.returncode}:\n{server.output()}")
        if time.monotonic() > deadline:
            _stop(process)
            pytest.fail(f"streamlit did not answer in {SERVER_START_TIMEOUT} s:\n{server.output()}")
        time.sleep(0.2)
    return server


@pytest.fixture
def launch_server(tmp_path) -> Iterator[Callable[[str], Server]]:
    """A factory: start a fresh server on the given database; all are stopped afterwards."""
    started: list[Server] = []

    def launch(database_url: str) -> Server:
        server = start_server(database_url, tmp_path)
        started.append(server)
        return server

    yield launch
    for server in started:
        _stop(server.process)


@pytest.fixture
def fresh_db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'okr.db'}"


@pytest.fixture
def demo_url(fresh_db_url) -> str:
    """A fresh database holding the small demo organisation."""
    engine = make_engine(fresh_db_url)
    upgrade_head(engine)
    load_demo(engine, "small")
    engine.dispose()
    return fresh_db_url


@pytest.fixture
def app_server(launch_server, fresh_db_url) -> str:
    """A freshly started app on an empty database; yields its base URL."""
    return launch_server(fresh_db_url).url


# --- the browser -------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _browser_missing(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _browser_missing("the playwright package is not installed (requirements-dev.txt)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.e2e_failed = report.failed
    return report


def artifact_folder(request) -> Path:
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name).strip("_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def page(browser, request):
    """A new browser context per test: no cookies or storage shared between tests.
    A failing test leaves a screenshot of what the browser showed (failure.png)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860}, locale="en-GB")
    context.set_default_timeout(UI_TIMEOUT_MS)
    page = context.new_page()
    yield page
    if getattr(request.node, "e2e_failed", False):
        page.screenshot(path=str(artifact_folder(request) / "failure.png"), full_page=True)
    context.close()


@pytest.fixture
def shoot(page, request) -> Callable[[str], Path]:
    """shoot("name") saves a full-page screenshot as test-artifacts/e2e/<test>/NN-name.png."""
    folder = artifact_folder(request)
    for old in folder.glob("*.png"):
        old.unlink()
    count = 0

    def take(name: str) -> Path:
        nonlocal count
        count += 1
        path = folder / f"{count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


def settle(page) -> None:
    """Wait until Streamlit is connected and has finished its script run.

    Call it after waiting for something the run must show: right after a click the old run's
    "not running" state is still there for a moment.
    """
    page.locator('[data-testid="stApp"][data-test-connection-state="CONNECTED"]').wait_for()
    page.locator('[data-testid="stApp"][data-test-script-state="notRunning"]').wait_for()
    page.locator('[data-testid="stStatusWidget"]').wait_for(state="hidden")


def wait_for_sign_in_form(page) -> None:
    """Wait for the sign-in form; fail with what the page shows instead."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.get_by_role("button", name="Sign in", exact=True).wait_for()
        page.get_by_label("Username", exact=True).wait_for()  # a rerun may redraw the form
        found = True
    except PlaywrightTimeout:
        found = False
    if not found:
        shown = page.inner_text("body")[:2000]
        pytest.fail(f"no sign-in form at {page.url}; the page shows:\n{shown}", pytrace=False)
    settle(page)


def sign_in_with_form(page, username: str, password: str) -> None:
    """Type into the sign-in form the page shows, and submit it."""
    wait_for_sign_in_form(page)
    page.get_by_label("Username", exact=True).fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
