"""What the benchmarks share: the page list from shell/navigation.py, demo logins, results and statistics."""

from __future__ import annotations

import ast
import json
import os
import platform
import statistics
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from db.demo import DEMO_PASSWORD
from db.engine import PROJECT_ROOT

RESULTS = PROJECT_ROOT / "bench" / "results"
APP = PROJECT_ROOT / "app.py"
NAVIGATION = PROJECT_ROOT / "shell" / "navigation.py"
BENCH_COOKIE_KEY = "okr-bench-cookie-key-" + "b" * 32  # only for servers the bench starts
ROLES = ("member", "lead", "executive", "admin")
LOGIN_OF_ROLE = {"member": "member", "lead": "lead", "executive": "exec", "admin": "admin"}
PASSWORD = DEMO_PASSWORD
# The role each page is measured for: the one whose view of it is the largest.
PREFERRED_ROLE = {
    "dashboard.py": "executive",  # the company view
    "alignment.py": "executive",
    "review.py": "executive",  # grades the whole company
    "people.py": "lead",
    "admin.py": "admin",
}


@dataclass(frozen=True)
class PageInfo:
    file: str
    url_path: str
    roles: tuple[str, ...]
    default: bool = False

    @property
    def role(self) -> str:
        preferred = PREFERRED_ROLE.get(self.file)
        if preferred in self.roles:
            return preferred
        return next(r for r in ROLES if r in self.roles)


def page_specs(source: Path = NAVIGATION) -> list[PageInfo]:
    """PAGE_SPECS as the file has it right now, read without importing Streamlit into the
    load driver."""
    tree = ast.parse(source.read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PAGE_SPECS" for t in node.targets
        ):
            return [_page_info(call) for call in node.value.elts]
    raise RuntimeError(f"{source} has no PAGE_SPECS")


def _page_info(call: ast.Call) -> PageInfo:
    args = [a.value if isinstance(a, ast.Constant) else a for a in call.args]
    keywords = {k.arg: k.value for k in call.keywords}
    roles_node = args[5] if len(args) > 5 else keywords.get("roles")
    roles = ROLES
    if roles_node is not None:
        roles = tuple(
            r
            for r in ROLES
            if r.upper() in {n.attr for n in ast.walk(roles_node) if isinstance(n, ast.Attribute)}
        )
    default = keywords.get("default")
    is_default = isinstance(default, ast.Constant) and default.value is True
    return PageInfo(file=args[0], url_path=args[3], roles=roles, default=is_default)


def cookie_name() -> str:
    """shell/auth.py's COOKIE_NAME, read without importing Streamlit into the driver."""
    tree = ast.parse((PROJECT_ROOT / "shell" / "auth.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "COOKIE_NAME" for t in node.targets
        ):
            return node.value.value
    raise RuntimeError("shell/auth.py has no COOKIE_NAME")


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of the values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(share * len(ordered) + 0.5)))
    return round(ordered[rank - 1], 2)


def machine() -> dict:
    return {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def write_result(name: str, data: dict, out: Path | None = None) -> Path:
    path = Path(out) if out else RESULTS / f"{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return path


def table(headers: list[str], rows: list[list]) -> str:
    """A Markdown table (also readable in a terminal)."""
    cells = [[str(c) for c in row] for row in rows]
    widths = [
        max(len(h), *(len(r[i]) for r in cells)) if cells else len(h) for i, h in enumerate(headers)
    ]

    def line(values: list[str]) -> str:
        padded = (v.ljust(w) for v, w in zip(values, widths, strict=True))
        return "| " + " | ".join(padded) + " |"

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(headers), rule, *(line(r) for r in cells)])
