"""Rows drawn as one line of Markdown: user text stays literal inside the directives; badges
and numbers in the person's language."""

from __future__ import annotations

import re
from types import SimpleNamespace

from components.okr_view import badge_text, titled_line
from components.review_view import grade_text
from core.i18n import format_fixed, using_language


def test_the_title_is_escaped_and_the_badge_and_details_are_directives():
    line = titled_line("Grow **fast** [now]", "users] *and* :red[x]", "on_track")
    title, details = line.split("  \n")
    assert title.startswith(r"**Grow \*\*fast\*\* \[now\]** :blue-badge[")
    assert "On track]" in title
    assert details.startswith(":gray[:small[") and details.endswith("]]")
    inner = details[len(":gray[:small[") : -2]
    assert not re.search(r"(?<!\\)[\[\]*]", inner)  # no bracket or star left to interpret


def test_a_row_without_a_status_gets_the_grey_badge():
    assert ":gray-badge[" in titled_line("Objective", "details", None)


def test_a_grade_line_shows_the_score_in_its_zone_once_there_is_one():
    ungraded = SimpleNamespace(grade_state="ungraded", score=None)
    assert grade_text(ungraded) == badge_text(
        "not graded", "gray", ":material/radio_button_unchecked:"
    )
    confirmed = grade_text(SimpleNamespace(grade_state="confirmed", score=0.3))
    assert confirmed.startswith(":red-badge[Score 0.3 · red] :green-badge[")
    with using_language("vi"):
        proposed = grade_text(SimpleNamespace(grade_state="proposed", score=0.7))
    assert proposed.startswith(":green-badge[Điểm 0,7")


def test_fixed_decimals_follow_the_language():
    assert format_fixed(0.7, 2) == "0.70"
    with using_language("vi"):
        assert format_fixed(1234.5, 1) == "1234,5"
