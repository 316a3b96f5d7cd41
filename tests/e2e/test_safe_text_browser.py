"""People's text stays text in the browser: each payload, made safe by core.text and put
where the app puts people's text (a paragraph, a heading, bold, small grey details, a badge, a
caption, an error, an expander, a button, a radio option, a block of lines), renders exactly the
elements a harmless word renders there, reads as the characters typed, and makes the browser
fetch nothing from any other host."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tests.e2e.conftest import ROOT, SERVER_START_TIMEOUT, _healthy, _stop, free_port, settle
from tests.unit.test_safe_text import INVISIBLE, PAYLOADS

pytestmark = pytest.mark.e2e

SCRIPT = """
import json, sys
import streamlit as st
from core.text import badge, bold, md, md_block, md_format, small

CONTEXTS = {
    "paragraph": lambda text, key: st.markdown(md(text)),
    "heading": lambda text, key: st.markdown(md_format("#### {title}", title=text)),
    "bold": lambda text, key: st.markdown(bold(text) + " " + small(text)),
    "badge": lambda text, key: st.markdown(badge(text, "blue", ":material/flag:")),
    "caption": lambda text, key: st.caption(md(text)),
    "error": lambda text, key: st.error(md(text)),
    "expander": lambda text, key: st.expander(md(text)),
    "button": lambda text, key: st.button(md(text), key=key),
    "radio": lambda text, key: st.radio("r", [0], format_func=lambda _: md(text), key=key),
    "block": lambda text, key: st.markdown(md_block(text)),
}
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
for index, text in enumerate(texts):
    for name, show in CONTEXTS.items():
        with st.container(key=f"box-{name}-{index}"):
            show(text, f"{name}.{index}")
st.markdown("all-drawn")
"""
CONTEXTS = ["paragraph", "heading", "bold", "badge", "caption", "error", "expander", "button"]
CONTEXTS += ["radio", "block"]
REFERENCE = "harmless"  # index 0: what each context draws around plain text
# Elements a payload could turn into; each context must draw as many as around plain text.
ELEMENTS = (
    "a, img, svg, video, audio, iframe, h1, h2, h3, h4, h5, h6, table, ul, ol, li, blockquote,"
    " pre, code, hr, del, input[type=checkbox], sup, section, .katex, [role=img], span[style],"
    " span[class*=stMarkdown]"
)
# For each drawn box: how many of each element it holds, and its text.
DRAWN = """(selector) => {
    const boxes = {};
    for (const box of document.querySelectorAll(".stVerticalBlock[class*='st-key-box-']")) {
        const key = [...box.classList].find((name) => name.startsWith("st-key-box-"));
        const counts = {};
        for (const element of box.querySelectorAll(selector)) {
            const name = element.tagName.toLowerCase() + "." + element.getAttribute("class");
            counts[name] = (counts[name] || 0) + 1;
        }
        boxes[key.slice("st-key-box-".length)] = {counts, text: box.innerText};
    }
    return boxes;
}"""


@pytest.fixture
def payload_page(tmp_path, page):
    texts = [REFERENCE, *PAYLOADS]
    (tmp_path / "texts.json").write_text(json.dumps(texts), encoding="utf-8")
    (tmp_path / "render.py").write_text(SCRIPT, encoding="utf-8")
    port = free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", str(tmp_path / "render.py"),
        "--server.address", "127.0.0.1", "--server.port", str(port),
        "--server.headless", "true", "--", str(tmp_path / "texts.json"),
    ]  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT), "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    with (tmp_path / "streamlit.log").open("wb") as log:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            assert process.poll() is None and time.monotonic() < deadline, (
                tmp_path / "streamlit.log"
            ).read_text()
            time.sleep(0.2)
        elsewhere: list[str] = []
        page.on(
            "request",
            lambda request: None if request.url.startswith((url, "data:")) else
            elsewhere.append(request.url),
        )  # fmt: skip
        page.goto(url)
        page.get_by_text("all-drawn").wait_for()
        settle(page)
        yield page, texts, elsewhere
    finally:
        _stop(process)


def test_payloads_render_as_the_characters_typed_and_fetch_nothing(payload_page):
    page, texts, elsewhere = payload_page
    page.wait_for_timeout(500)  # an image or a font the text asked for would load by now
    boxes = page.evaluate(DRAWN, ELEMENTS)
    problems = []
    for context in CONTEXTS:
        around_plain = boxes[f"{context}-0"]["counts"]
        for index, payload in enumerate(texts[1:], start=1):
            shown = boxes[f"{context}-{index}"]
            if shown["counts"] != around_plain:
                problems.append(f"{context} {payload!r}: {shown['counts']} ≠ {around_plain}")
            seen = " ".join(INVISIBLE.sub("", shown["text"]).replace("\xa0", " ").split())
            if " ".join(payload.split()) not in seen:
                problems.append(f"{context} {payload!r} reads {seen!r}")
    problems += [f"fetched from another host: {address}" for address in elsewhere]
    assert not problems, "\n".join(problems)
