"""User text stays text on every page, as every role.

Every text field a person can fill in (objective titles and descriptions, key-result titles and
unit labels, check-in notes, kudos, score reasons, display names, e-mails, team and cycle names)
holds a payload of things Streamlit's Markdown would otherwise act on: an image from a foreign
host, autolinks, colour and icon directives, emoji short codes, LaTeX, raw HTML and script tags,
a javascript: link, backticks, a setext heading, right-to-left text. Each role signs in and
visits every page of its navigation, plus the check-in, publish, archive and grade
confirmations, a refused write quoting a name, the ?kr= warning and a search term reflected
from the address (?q=). On every page:

- no image, frame or link points anywhere but the app, no javascript: link, no script runs,
  no heading, KaTeX, colour span, icon, code, bold or emoji is made from a payload;
- the payloads the page shows read literally (the records listed per page must be there);
- the browser asked nothing of any host but the app (other requests are blocked and recorded).

Payload addresses are in TEST-NET-2 (198.51.100.0/24, never routed) or reserved names; nothing
is fetched from them: every request to another host is aborted before it leaves. Each role's
findings, the payloads seen per page and the time per step are written to
test-artifacts/e2e/<test>/ (problems.txt, payloads-seen.txt, timings.txt).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, quote, urlsplit

import pytest
from sqlalchemy import select

from db import commands
from db.commands import grading, kudos
from db.demo import DEMO_LOGINS, DEMO_PASSWORD, load_demo
from db.engine import make_engine, make_sessionmaker
from db.migrate import upgrade_head
from db.models import Cycle, KeyResult, Objective, Team, User
from db.queries import current_user
from shell.auth import COOKIE_NAME
from shell.navigation import PAGE_SPECS
from tests.e2e.conftest import (
    UI_TIMEOUT_MS,
    _stop,
    artifact_folder,
    settle,
    start_server,
    wait_for_sign_in_form,
)
from tests.factories import run

pytestmark = pytest.mark.e2e

FOREIGN_HOST = "198.51.100.7"  # TEST-NET-2: documentation only, never routed
ROLES = ("member", "lead", "exec", "admin")  # the demo logins, one per role


# --- payloads ----------------------------------------------------------------------------------


def image(tag: str) -> str:
    """An image from a foreign host; its path names the field, so a request or an <img> that
    leaks says where it came from."""
    return f"![](http://{FOREIGN_HOST}/{tag})"


# What Markdown (or a careless HTML renderer) would act on. Right-to-left text goes last: it
# turns the rest of its line around.
FRAGMENTS = [
    "$x^2$",
    ":red[red]",
    ":smile:",
    ":material/pets:",
    "http://2130706433/",
    "www.example.com",
    "name@example.com",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "`code`",
    "<script>alert(2)</script>",
    '"><svg onload=alert(4)>',
    "<b>bold</b>",
    "\u202ertl",
]


def line(tag: str, limit: int = 200, skip: int = 0, with_image: bool = True) -> str:
    """The tag, its image, then as many fragments as fit in ``limit`` characters (from the
    ``skip``-th: short fields carry different ones)."""
    text = f"{tag} {image(tag)}" if with_image else tag
    for piece in FRAGMENTS[skip:]:
        if len(text) + 1 + len(piece) <= limit:
            text += " " + piece
    return text


def block(tag: str) -> str:
    """A multi-line payload: a setext heading, then the one-line payload with every fragment."""
    return f"{tag}Heading\n===\n{line(tag, 2000)}"


HEADING_MARK = "Heading"  # a heading made from a block() payload contains "<tag>Heading"
EMOJI = "😄"  # what :smile: becomes
ICON = "pets"  # what :material/pets: becomes (the app uses no such icon)
COLOURED = "red"  # the text of :red[red]
CODE = "code"  # the text of `code`
BOLD = "bold"  # the text of <b>bold</b>


# Which field carries which payload (the tag starts the payload and names it in failures).
FIELDS = {
    "PlObjTitle": "title of the member's own objective",
    "PlObjDesc": "description of the member's own objective",
    "PlKrTitle": "title of the member's key result A",
    "PlUnit": "unit label (unit text) of key result A",
    "PlKrTitleB": "title of the member's key result B",
    "PlUnitB": "unit label of key result B",
    "PlNote": "note of a check-in on key result A",
    "PlReason": "score proposal reasons on key results A and B",
    "PlKudos": "kudos message from the lead to the member (linked to key result A)",
    "PlTeamKudos": "kudos message from the executive to the member's team",
    "PlName": "the member's display name",
    "PlTeam": "name of the member's and lead's team",
    "PlRoot": "name of the company's root team (the admin's and executive's team)",
    "PlCycle": "name of the active cycle",
    "PlCoTitle": "title of the company objective the member's work aligns to",
    "PlCoDesc": "description of that company objective",
    "PlCoKr": "title of that company objective's first key result",
    "PlDraft": "title of the lead's draft objective (published in the browser)",
    "PlEmail": "the member's e-mail (the strongest payload the e-mail check accepts)",
    "PlQuery": "the alignment search text, from the address (?q=)",
}
EMAIL = f"plemail:smile:$x^2$:red[red]![](http://{FOREIGN_HOST}/plemail)@example.com"


@dataclass(frozen=True)
class Seeded:
    """The payload records, and the ids the tour needs."""

    text: dict[str, str]  # tag -> the payload as stored
    member_id: int
    kr_a: int  # the member's KR carrying PlKrTitle
    company_kr: int  # a KR the member may read but not check in on
    team_id: int  # the member's team


def seed(url: str) -> Seeded:
    """The small demo organisation with a payload in every user text field, written through
    the app's own commands by the people allowed to write them."""
    engine = make_engine(url)
    upgrade_head(engine)
    load_demo(engine, "small")
    sessions = make_sessionmaker(engine)
    text = {tag: line(tag) for tag in FIELDS}
    text |= {tag: line(tag, skip=7) for tag in ("PlKrTitleB", "PlCoKr", "PlTeamKudos")}
    text |= {tag: block(tag) for tag in ("PlObjDesc", "PlCoDesc", "PlNote", "PlReason", "PlKudos")}
    text |= {
        "PlUnit": line("PlUnit", 40),
        "PlUnitB": line("PlUnitB", 40, with_image=False),
        "PlName": line("PlName", 120),
        "PlTeam": line("PlTeam", 120),
        "PlRoot": line("PlRoot", 120, skip=4, with_image=False),
        "PlCycle": line("PlCycle", 80),
        "PlEmail": EMAIL,
        "PlQuery": line("PlQuery", 100),  # the search box takes 100 characters
    }
    # The draft's title starts with its image so it sorts first on the lead's Set goals.
    text["PlDraft"] = line("PlDraft").replace("PlDraft ", "", 1).replace("$x^2$", "$x^2$ PlDraft")

    with sessions() as session:
        people = {name: current_user(session, name) for name in ROLES}
        member = people["member"]
        cycle = session.scalar(select(Cycle).where(Cycle.state == "active"))
        mine = session.scalars(
            select(Objective)
            .where(Objective.owner_id == member.id, Objective.cycle_id == cycle.id)
            .where(Objective.state == "active", Objective.level == "individual")
            .order_by(Objective.id)
        ).first()
        company = mine
        while company.level != "company":  # the company objective the member's work serves
            company = session.get(Objective, company.parent_id)
        krs = session.scalars(
            select(KeyResult).where(KeyResult.objective_id == mine.id).order_by(KeyResult.id)
        ).all()
        company_kr = session.scalars(
            select(KeyResult).where(KeyResult.objective_id == company.id).order_by(KeyResult.id)
        ).first()
        team, root = session.get(Team, member.team_id), session.get(Team, people["exec"].team_id)
        member_row = session.get(User, member.id)
        ids = {
            "cycle": (cycle.id, cycle.start_date, cycle.end_date),
            "mine": _objective_input(mine),
            "company": _objective_input(company),
            "kr_a": (krs[0].id, krs[0].version, _kr_input(krs[0])),
            "kr_b": (krs[1].id, krs[1].version, _kr_input(krs[1])),
            "company_kr": (company_kr.id, company_kr.version, _kr_input(company_kr)),
            "team": (team.id, team.parent_id, team.lead_id),
            "root": (root.id, root.parent_id, root.lead_id),
            "member": commands.UserInput(
                member_row.username,
                member_row.display_name,
                member_row.email,
                member_row.role,
                member_row.team_id,
                member_row.manager_id,
                member_row.language,
            ),
        }
    admin, executive, lead = (people[name].actor for name in ("admin", "exec", "lead"))

    # The member writes their own objective and key results, checks in and proposes scores.
    objective_id, version, data = ids["mine"]
    data = replace(data, title=text["PlObjTitle"], description=text["PlObjDesc"])
    run(sessions, commands.update_objective, member.actor, objective_id, version, data)
    for kr_key, title, unit in (("kr_a", "PlKrTitle", "PlUnit"), ("kr_b", "PlKrTitleB", "PlUnitB")):
        kr_id, kr_version, kr = ids[kr_key]
        kr = replace(kr, title=text[title], unit="text", currency_code=None, unit_label=text[unit])
        run(sessions, commands.update_key_result, member.actor, kr_id, kr_version, kr)
    kr_a, kr_b = ids["kr_a"][0], ids["kr_b"][0]
    run(
        sessions,
        commands.check_in,
        member.actor,
        commands.CheckInInput(kr_a, ids["kr_a"][2].start, 6, text["PlNote"]),
    )
    for kr_id in (kr_a, kr_b):
        run(sessions, grading.propose_score, member.actor, kr_id, None, 0.9, text["PlReason"])

    # An executive writes the company objective the member's work serves.
    objective_id, version, data = ids["company"]
    data = replace(data, title=text["PlCoTitle"], description=text["PlCoDesc"])
    run(sessions, commands.update_objective, executive, objective_id, version, data)
    kr_id, kr_version, kr = ids["company_kr"]
    kr = replace(kr, title=text["PlCoKr"])
    run(sessions, commands.update_key_result, executive, kr_id, kr_version, kr)

    # Kudos to the member (for key result A) and to the member's team.
    team_id = ids["team"][0]
    run(
        sessions,
        kudos.give_kudos,
        lead,
        text["PlKudos"],
        receiver_user_id=member.id,
        objective_id=objective_id_of(sessions, kr_a),
        key_result_id=kr_a,
    )
    run(sessions, kudos.give_kudos, executive, text["PlTeamKudos"], receiver_team_id=team_id)

    # The lead's draft, published in the browser.
    run(
        sessions,
        commands.create_objective,
        lead,
        commands.ObjectiveInput(
            cycle.id,
            "individual",
            text["PlDraft"],
            lead.id,
            team_id=team_id,
            key_results=[commands.KRInput("Ship the payload test", "milestone")],
        ),
    )

    # The admin names teams, the cycle and the member.
    for key, tag in (("team", "PlTeam"), ("root", "PlRoot")):
        record_id, parent_id, lead_id = ids[key]
        run(sessions, commands.update_team, admin, record_id, text[tag], parent_id, lead_id)
    cycle_id, start, end = ids["cycle"]
    run(sessions, commands.update_cycle, admin, cycle_id, text["PlCycle"], start, end)
    person = replace(ids["member"], display_name=text["PlName"], email=EMAIL)
    run(sessions, commands.update_user, admin, member.id, person)
    engine.dispose()
    return Seeded(text, member.id, kr_a, ids["company_kr"][0], team_id)


def objective_id_of(sessions, kr_id: int) -> int:
    with sessions() as session:
        return session.get(KeyResult, kr_id).objective_id


def _objective_input(objective: Objective) -> tuple[int, int, commands.ObjectiveInput]:
    data = commands.ObjectiveInput(
        objective.cycle_id,
        objective.level,
        objective.title,
        objective.owner_id,
        team_id=objective.team_id,
        description=objective.description,
        parent_id=objective.parent_id,
    )
    return objective.id, objective.version, data


def _kr_input(kr: KeyResult) -> commands.KRInput:
    return commands.KRInput(
        kr.title,
        kr.kind,
        kr.start_value,
        kr.target_value,
        kr.unit,
        kr.currency_code,
        kr.unit_label,
        kr.weight,
        kr.owner_id,
    )


# --- what a page must not contain --------------------------------------------------------------

# Runs in the page: everything a payload could have turned into, each with the text around it
# (that text starts with the payload's tag, so a finding names its field).
PROBE = """
({origin, headingMark, icon, coloured, code, bold, emoji}) => {
  const found = [];
  const flat = (text) => Array.from(text.replace(/\\s+/g, ' ').trim());
  const around = (el) => {
    const box = el.closest('[data-testid="stMarkdownContainer"], [data-testid="stToast"], '
      + '[data-testid="stExpander"] summary, [data-testid="stAlert"], label, li, p') || el.parentElement;
    return flat(box ? box.innerText : '').slice(0, 100).join('');
  };
  const elsewhere = (address) => {
    try {
      const url = new URL(address, location.href);
      if (['data:', 'blob:', 'about:'].includes(url.protocol)) return false;
      return url.origin !== origin;
    } catch (error) { return true; }
  };
  const sidebar = document.querySelector('[data-testid="stSidebar"]');
  const add = (what, el) => found.push({what, context: around(el), sidebar: !!(sidebar && sidebar.contains(el))});
  for (const el of document.querySelectorAll('img, image, iframe, video, audio, source, embed, object')) {
    const src = el.currentSrc || el.getAttribute('src') || el.getAttribute('href') || el.getAttribute('data') || '';
    if (el.getAttribute('src') === 'x' || (src && elsewhere(src))) add(`<${el.tagName.toLowerCase()}> from ${src}`, el);
  }
  for (const a of document.querySelectorAll('a[href]')) {
    if (a.href.startsWith('javascript:') || elsewhere(a.href)) add(`link to ${a.href}`, a);
  }
  for (const h of document.querySelectorAll('h1, h2, h3, h4, h5, h6')) {
    if (h.innerText.includes(headingMark)) add(`<${h.tagName.toLowerCase()}> heading`, h);
  }
  for (const el of document.querySelectorAll('.katex, .katex-display, math')) add('KaTeX formula', el);
  for (const el of document.querySelectorAll('.stMarkdownColoredText, .stMarkdownColoredBackground')) {
    if (el.innerText.trim() === coloured) add(`coloured span "${coloured}"`, el);
  }
  for (const el of document.querySelectorAll('[data-testid="stIconMaterial"]')) {
    if (el.innerText.trim() === icon) add(`material icon "${icon}"`, el);
  }
  for (const el of document.querySelectorAll('code')) {
    if (el.innerText.trim() === code) add(`<code>${code}</code>`, el);
  }
  for (const el of document.querySelectorAll('b, strong')) {
    if (el.innerText.trim() === bold) add(`<b>${bold}</b>`, el);
  }
  for (const el of document.querySelectorAll('[onerror], [onload], script:not([src])')) {
    const script = el.getAttribute('onerror') || el.getAttribute('onload') || el.textContent;
    if (script.includes('alert(')) add('script', el);
  }
  const side = sidebar ? sidebar.innerText : '';
  const main = document.body.innerText.replace(side, '');
  for (const [text, inSidebar] of [[main, false], [side, true]]) {
    const chars = flat(text);
    const at = chars.indexOf(emoji);
    if (at >= 0) found.push({what: `emoji ${emoji}`, context: chars.slice(Math.max(0, at - 60), at + 5).join(''), sidebar: inSidebar});
  }
  return {found, main, side};
}
"""

PROBE_ARGUMENTS = {
    "headingMark": HEADING_MARK,
    "icon": ICON,
    "coloured": COLOURED,
    "code": CODE,
    "bold": BOLD,
    "emoji": EMOJI,
}

# Characters a safe rendering may add or drop without changing what a reader sees.
INVISIBLE = dict.fromkeys(
    map(
        ord,
        "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
        "\u2066\u2067\u2068\u2069",
    ),
    None,
)


def readable(text: str) -> str:
    """Text as a reader compares it: NFC, invisible marks dropped, whitespace as single spaces."""
    text = unicodedata.normalize("NFC", text).translate(INVISIBLE)
    return re.sub(r"\s+", " ", text).strip()


def tags_in(text: str, tags: Iterable[str]) -> set[str]:
    return {tag for tag in tags if re.search(rf"{tag}(?![A-Za-z])", text, re.IGNORECASE)}


MIN_SHOWN = 16  # a payload cut short (a chart's label) shows at least this much, then "…"


def garbled(seen: str, payloads: dict[str, str]) -> dict[str, int]:
    """Payloads whose tag shows somewhere that is not inside a literal copy of the payload (or
    a copy cut short with an ellipsis): tag -> the first such place in ``seen``."""
    folded = seen.lower()
    literal = {tag: readable(text).lower() for tag, text in payloads.items()}
    covered = [
        (start, start + len(payload))
        for payload in literal.values()
        for start in (m.start() for m in re.finditer(re.escape(payload), folded))
    ]
    found: dict[str, int] = {}
    for tag, payload in literal.items():
        for match in re.finditer(rf"{tag.lower()}(?![a-z])", folded):
            if any(start <= match.start() < end for start, end in covered):
                continue
            start = match.start() - payload.find(tag.lower())
            shown = os.path.commonprefix([folded[start:], payload]) if start >= 0 else ""
            if len(shown) >= MIN_SHOWN and folded[start + len(shown) :].startswith(("…", "...")):
                covered.append((start, start + len(shown) + 1))
                continue
            found.setdefault(tag, match.start())
    return found


# Every toast's text, kept after it is gone (a rerun right after a write can take it away).
TOAST_LOG = """
window.__toasts = [];
new MutationObserver(() => {
  for (const toast of document.querySelectorAll('[data-testid="stToast"]')) {
    if (!toast.__logged) { toast.__logged = true; window.__toasts.push(toast); }
    toast.__text = toast.innerText;
  }
}).observe(document, {childList: true, subtree: true, characterData: true});
"""
READ_TOAST_LOG = "() => (window.__toasts || []).map((toast) => toast.__text || '')"


def playwright_errors():
    """Playwright's error classes, imported once a browser test runs (the module loads without
    Playwright; the browser fixture skips, or fails in CI, when it is missing)."""
    from playwright.sync_api import Error, TimeoutError

    return Error, TimeoutError


# --- the tour ----------------------------------------------------------------------------------

SIDEBAR = "sidebar"  # findings in the sidebar are the same on every page: reported once
TITLES = {spec.url_path: spec.title for spec in PAGE_SPECS}
# What each role's sidebar must show literally (its name and team; the cycle is in a select).
SIDEBAR_TEXT = {
    "member": {"PlName", "PlTeam"},
    "lead": {"PlTeam"},
    "exec": {"PlRoot"},
    "admin": {"PlRoot"},
}


@dataclass
class Tour:
    """One role's browser session: where it is, what it asked of the network, what went wrong."""

    page: object
    url: str
    seeded: Seeded
    role: str
    shoot: Callable[[str], object]
    where: str = "sign-in"
    problems: list[str] = field(default_factory=list)
    requests: list[tuple[str, str]] = field(default_factory=list)  # (where, address)
    dialogs: list[str] = field(default_factory=list)
    shown: dict[str, set[str]] = field(default_factory=dict)  # where -> payloads seen there
    timings: list[str] = field(default_factory=list)
    _clock: float = field(default_factory=time.monotonic)
    _reported: set = field(default_factory=set)

    def watch(self) -> None:
        """Record every request, and block those to any other host so that nothing leaves."""
        context = self.page.context
        context.on("request", lambda request: self.requests.append((self.where, request.url)))
        self.page.on("websocket", lambda socket: self.requests.append((self.where, socket.url)))
        self.page.on(
            "dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss())
        )
        context.add_init_script(TOAST_LOG)
        context.route(
            "**/*",
            lambda route: (
                route.continue_()
                if self.ours(route.request.url)
                else route.abort("blockedbyclient")
            ),
        )

    def ours(self, address: str) -> bool:
        parts = urlsplit(address)
        return (
            parts.scheme in ("data", "blob", "about") or parts.netloc == urlsplit(self.url).netloc
        )

    def sign_in(self) -> None:
        self.page.goto(self.url)
        wait_for_sign_in_form(self.page)
        self.page.get_by_label("Username", exact=True).fill(self.role)
        self.page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
        self.page.get_by_role("button", name="Sign in", exact=True).click()
        self.page.get_by_test_id("stSidebar").get_by_role("button", name="Sign out").wait_for()
        settle(self.page)
        # A browser component writes the session cookie a moment later; a page loaded by its
        # address before that would meet the sign-in form.
        deadline = time.monotonic() + UI_TIMEOUT_MS / 1000
        while COOKIE_NAME not in {cookie["name"] for cookie in self.page.context.cookies()}:
            assert time.monotonic() < deadline, "the browser never got the sign-in cookie"
            self.page.wait_for_timeout(100)

    def open(self, path: str, query: str = "", name: str = "") -> None:
        """Go to a page: through the sidebar (four times faster than loading the app again),
        or by its address when it needs a query (``name``: how failures call an unwieldy one)."""
        address = f"{path}?{query}" if query else path
        # A page may read a query the page before left (?person=): then load it afresh.
        left_over = set(parse_qs(urlsplit(self.page.url).query)) - {"cycle"}
        self.where = name or address
        link = self.page.get_by_test_id("stSidebarNav").get_by_role(
            "link", name=TITLES[path], exact=True
        )
        _error, PlaywrightTimeout = playwright_errors()
        heading = self.page.get_by_role("heading", level=1).filter(has_text=TITLES[path]).first
        clicked = not (query or left_over) and link.count() > 0
        if clicked:
            link.click()
            with contextlib.suppress(PlaywrightTimeout):  # a click during a rerun can be lost
                heading.wait_for(timeout=10_000)
        if not (clicked and heading.is_visible()):
            self.page.goto(f"{self.url}/{address}")
            heading.wait_for()
        settle(self.page)

    def check(self, expect: Iterable[str] = (), within: str | None = None, label: str = "") -> None:
        """The page now: nothing made of a payload anywhere in it; the payloads in ``expect``
        shown (in the text ``within``, or the main area) and, like any other shown, literally."""
        where = f"{self.where} {label}".strip()
        expect = set(expect)
        deadline = time.monotonic() + 10
        while True:  # a rerun may still be drawing the page (a cookie or a component answered)
            result = self.page.evaluate(PROBE, PROBE_ARGUMENTS | {"origin": self.url})
            main = result["main"] if within is None else within
            missing = expect - tags_in(readable(main), expect)
            missing |= SIDEBAR_TEXT[self.role] - tags_in(readable(result["side"]), FIELDS)
            if not missing or time.monotonic() > deadline:
                break
            self.page.wait_for_timeout(300)
            settle(self.page)
        for finding in result["found"]:
            self.report(
                SIDEBAR if finding["sidebar"] else where, finding["what"], finding["context"]
            )
        self.literal(where, main, expect)
        self.literal(SIDEBAR, result["side"], SIDEBAR_TEXT[self.role])
        now = time.monotonic()
        self.timings.append(f"{now - self._clock:5.1f} s  {where}")
        self._clock = now

    def literal(self, where: str, text: str, expect: set[str]) -> None:
        seen = readable(text)
        present = tags_in(seen, self.seeded.text)
        self.shown.setdefault(where, set()).update(present)
        for tag in sorted(expect - present):
            self.report(where, f"{tag} ({FIELDS[tag]}) is not shown", "")
        for tag, at in garbled(seen, self.seeded.text).items():
            self.report(where, f"{tag} is not literal", repr(seen[at : at + 130]))

    def report(self, where: str, what: str, context: str) -> None:
        """One line per place, kind of finding and field (a payload repeats on a page)."""
        tags = sorted(tags_in(what, FIELDS)) or sorted(
            tags_in(context.replace(HEADING_MARK, " "), FIELDS),
            key=lambda tag: context.lower().find(tag.lower()),
        )
        tag = tags[0] if tags else "no payload"
        key = (where, re.sub(r"Pl[A-Z]\w*", "", what.lower()), tag)
        if key not in self._reported:
            self._reported.add(key)
            self.problems.append(
                f"{where}: {what} [{tag}]" + (f" — in: {context}" if context else "")
            )

    def confirmation(self, button, tag: str, label: str) -> None:
        """Press ``button`` (a write) and check its confirmation, a toast quoting ``tag``. A
        click that lands while a rerun redraws the page can be lost: it is repeated once. A
        toast that a rerun took away at once is read from the page's log of toasts."""
        _error, PlaywrightTimeout = playwright_errors()
        toast = self.page.get_by_test_id("stToast").filter(has_text=tag).first
        for attempt in (1, 2):
            button.click()
            try:
                toast.wait_for(timeout=UI_TIMEOUT_MS)  # a write and its rerun can be slow
                text = toast.inner_text()  # before it fades away
                break
            except PlaywrightTimeout:
                logged = [t for t in self.page.evaluate(READ_TOAST_LOG) if tag in t]
                if logged:
                    text = logged[-1]
                    break
                if attempt == 2 or not button.count():
                    raise AssertionError(
                        f"{label}: no toast quoting {tag} after {attempt} clicks; toasts seen: "
                        f"{self.page.evaluate(READ_TOAST_LOG)}"
                    ) from None
        self.check({tag}, within=text, label=label)
        settle(self.page)

    def alert(self, tag: str, label: str) -> None:
        alert = self.page.get_by_test_id("stAlert").filter(has_text=tag).first
        alert.wait_for()
        settle(self.page)
        self.check({tag}, within=alert.inner_text(), label=label)

    def expand(self, tag: str, then: str) -> None:
        """Open the expander whose label shows ``tag`` and wait for ``then`` inside it."""
        node = self.page.get_by_test_id("stExpander").filter(has_text=tag).first
        node.locator("summary").click()
        node.get_by_text(re.compile(then)).first.wait_for()
        settle(self.page)

    def foreign_requests(self) -> list[str]:
        seen: dict[str, str] = {}
        for where, address in self.requests:
            if not self.ours(address):
                seen.setdefault(address, where)
        return [f"{where}: {address}" for address, where in seen.items()]


# Payloads each page must show in its main area (any other payload it shows is checked too).
MEMBERS_WORK = {"PlObjTitle", "PlKrTitle", "PlUnit", "PlKrTitleB", "PlUnitB"}
WALL = {"PlKudos", "PlTeamKudos", "PlName", "PlObjTitle", "PlKrTitle", "PlTeam", "PlCycle"}
MEMBERS_PAGE = {"PlName", "PlTeam", "PlCycle", "PlKudos", "PlObjTitle", "PlKrTitle"}
COMPANY = {"PlCoTitle", "PlCoKr", "PlCycle"}
PROPOSALS = {"PlKrTitleB", "PlName", "PlObjTitle", "PlReason", "PlCycle"}
LEADERSHIP = {
    "my-okrs": {"PlCycle", "PlRoot"},
    "set-goals": COMPANY,
    "dashboard": {"PlCycle"},
    "alignment": {"PlCoTitle", "PlCycle"},
    "review": PROPOSALS | COMPANY,
    "people": MEMBERS_PAGE,
    "kudos": WALL,
    "leaderboard": {"PlCycle", "PlTeam"},
    "account": {"PlRoot"},
}
# Payloads each page must show in its main area (any other payload it shows is checked too).
EXPECT = {
    "member": {
        "my-okrs": MEMBERS_WORK | {"PlName", "PlTeam", "PlCycle", "PlKudos"},
        "log-progress": {"PlUnit"},
        "set-goals": MEMBERS_WORK | {"PlName", "PlTeam", "PlCycle"},
        "dashboard": {"PlCycle"},
        "alignment": {"PlCoTitle", "PlCycle"},
        "people": MEMBERS_PAGE | MEMBERS_WORK,
        "kudos": WALL,
        "leaderboard": {"PlCycle", "PlTeam"},
        "account": {"PlName", "PlEmail", "PlTeam"},
    },
    "lead": {
        "my-okrs": {"PlCycle", "PlTeam", "PlDraft"},
        "log-progress": {"PlUnit"},  # the lead of the member's team may check in for them
        "set-goals": {"PlDraft", "PlCycle", "PlTeam"},
        "dashboard": {"PlCycle"},
        "alignment": {"PlCoTitle", "PlCycle"},
        "review": PROPOSALS | {"PlKrTitle", "PlTeam"},
        "people": MEMBERS_PAGE,
        "kudos": WALL,
        "leaderboard": {"PlCycle", "PlTeam"},
        "account": {"PlTeam"},
    },
    "exec": LEADERSHIP | {"log-progress": {"PlKrTitle"}},  # the ?kr= warning
    "admin": LEADERSHIP
    | {
        "log-progress": {"PlUnit"},
        "admin": set(),
        "audit": {"PlKrTitle"},
        "import-export": {"PlCycle"},
    },
}
SCREENSHOTS = {("member", "my-okrs"), ("member", "kudos"), ("lead", "review")}
# Pages whose main area need not show a payload: what shows once they are drawn.
READY = {"admin": "Select a row to edit that person.", "audit": "Before and after"}
LEADERBOARD = "board=teams&metric=kudos&level=team"  # the team board by kudos: the team's kudos


def visit_every_page(tour: Tour, extra: dict) -> None:
    """Every page of the role's navigation, once, with its checks; ``extra[path]`` runs the
    page's interactions (confirmations, warnings, expanded nodes) after the first check."""
    role = DEMO_LOGINS[tour.role]
    expect = EXPECT[tour.role]
    for spec in PAGE_SPECS:
        if role not in spec.roles:
            continue
        path = spec.url_path
        query = {
            "log-progress": f"kr={tour.seeded.kr_a}",
            "people": "" if tour.role == "member" else f"person={tour.seeded.member_id}",
            "leaderboard": LEADERBOARD,
            "audit": f"entity=key_result&id={tour.seeded.kr_a}",  # KR A's history
        }.get(path, "")
        tour.open(path, query)
        if path in READY:
            tour.page.get_by_text(READY[path]).first.wait_for()
            settle(tour.page)
        tour.check(expect[path])
        if (tour.role, path) in SCREENSHOTS:
            tour.shoot(path)
        if path in extra:
            extra[path](tour)


def check_in(tour: Tour) -> None:
    """The member's check-in on the payload KR: the confirmation quotes its title."""
    tour.page.get_by_label("New value", exact=True).first.fill("60")
    tour.page.get_by_label("What changed? Any blockers?").fill(tour.seeded.text["PlNote"])
    save = tour.page.get_by_role("button", name="Save check-in")
    tour.confirmation(save, "PlKrTitle", "check-in confirmation")
    tour.open("log-progress", f"kr={tour.seeded.company_kr}")  # someone else's KR
    tour.alert("PlCoKr", "?kr= warning")


def alignment(tour: Tour) -> None:
    tour.expand("PlCoTitle", then="PlCoKr")
    tour.check({"PlCoTitle", "PlCoKr"}, label="company objective open")
    tour.open("alignment", "q=PlObjTitle")
    tour.expand("PlObjTitle", then="PlKrTitle")
    tour.check({"PlObjTitle", "PlKrTitle"}, label="member's objective open")


def publish_draft(tour: Tour) -> None:
    """The lead publishes the payload draft, then archives it: both confirmations quote its
    title."""
    for action, label in (("Publish", "publish confirmation"), ("Archive", "archive confirmation")):
        button = tour.page.get_by_role("button", name=action, exact=True)
        blocks = tour.page.get_by_test_id("stVerticalBlock").filter(has_text="PlDraft")
        draft = blocks.filter(has=button).last  # the innermost: the draft's own box
        tour.confirmation(draft.get_by_role("button", name=action, exact=True), "PlDraft", label)


def confirm_proposal(tour: Tour) -> None:
    """The lead confirms the member's score proposal: the confirmation quotes the KR title."""
    row = (
        tour.page.get_by_test_id("stHorizontalBlock")
        .filter(has_text=re.compile(r"PlKrTitle(?!B)"))
        .filter(has=tour.page.get_by_role("button", name="Confirm", exact=True))
        .last
    )
    confirm = row.get_by_role("button", name="Confirm", exact=True)
    tour.confirmation(confirm, "PlKrTitle", "grade confirmation")


def refused_write(tour: Tour) -> None:
    """An admin creates a cycle named like an existing one: the refusal quotes the name."""
    tour.page.get_by_role("tab", name="Cycles").click()
    form = tour.page.get_by_test_id("stForm").filter(has_text="New cycle")
    form.get_by_label("Name", exact=True).fill(tour.seeded.text["PlCycle"])
    form.get_by_role("button", name="Create cycle").click()
    tour.alert("PlCycle", "refused write")
    tour.shoot("refused-write")


def kr_warning(tour: Tour) -> None:
    tour.alert("PlKrTitle", "?kr= warning")


EXTRA = {
    "member": {"log-progress": check_in, "alignment": alignment},
    "lead": {"set-goals": publish_draft, "review": confirm_proposal, "alignment": alignment},
    "exec": {"log-progress": kr_warning, "alignment": alignment},
    "admin": {"admin": refused_write, "alignment": alignment},
}


@pytest.fixture(scope="module")
def payload_app(tmp_path_factory):
    """One server for the module, on the demo organisation with payloads in every field."""
    folder = tmp_path_factory.mktemp("user-text")
    url = f"sqlite:///{folder / 'okr.db'}"
    seeded = seed(url)
    server = start_server(url, folder)
    yield server.url, seeded
    _stop(server.process)


@pytest.mark.parametrize("role", ROLES)
def test_user_text_stays_text_on_every_page(page, shoot, payload_app, role, request):
    PlaywrightError, _timeout = playwright_errors()
    url, seeded = payload_app
    tour = Tour(page, url, seeded, role, shoot)
    tour.watch()
    try:
        tour.sign_in()
        visit_every_page(tour, EXTRA[role])
        if role == "member":  # a search term from the address is user text too
            tour.open("alignment", "q=" + quote(seeded.text["PlQuery"]), "alignment?q=<PlQuery>")
            tour.check({"PlQuery"})
    except PlaywrightError as error:
        shown = page.get_by_test_id("stMain").inner_text(timeout=5_000)[:1500]
        pytest.fail(f"as {role}, at {tour.where}: {error}\nThe page shows:\n{shown}")
    page.wait_for_timeout(500)  # an onerror fires once its broken image has loaded

    folder = artifact_folder(request)
    seen = "\n".join(f"{where}: {' '.join(sorted(tags))}" for where, tags in tour.shown.items())
    (folder / "payloads-seen.txt").write_text(seen + "\n")
    (folder / "problems.txt").write_text("\n".join(tour.problems) + "\n")
    (folder / "timings.txt").write_text("\n".join(tour.timings) + "\n")
    leaks = tour.foreign_requests()
    assert not tour.dialogs, f"a payload ran a script: {tour.dialogs}"
    if tour.problems or leaks:
        pytest.fail(
            f"As {role}: {len(tour.problems)} places where user text did not stay text, "
            f"{len(leaks)} requests to other hosts (all blocked):\n"
            + "\n".join(tour.problems + [f"request to another host, {leak}" for leak in leaks]),
            pytrace=False,
        )
