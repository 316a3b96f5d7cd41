"""A key-result row's one line of Markdown: user text stays literal inside the directives."""

from __future__ import annotations

import re

from components.okr_view import escape_markdown, titled_line


def test_the_title_is_escaped_and_the_badge_and_details_are_directives():
    line = titled_line("Grow **fast** [now]", escape_markdown("users] *and* :red[x]"), "on_track")
    title, details = line.split("  \n")
    assert title.startswith(r"**Grow \*\*fast\*\* \[now\]** :blue-badge[")
    assert "On track]" in title
    assert details.startswith(":gray[:small[") and details.endswith("]]")
    inner = details[len(":gray[:small[") : -2]
    assert not re.search(r"(?<!\\)[\[\]*]", inner)  # no bracket or star left to interpret


def test_a_row_without_a_status_gets_the_grey_badge():
    assert ":gray-badge[" in titled_line("Objective", "details", None)
