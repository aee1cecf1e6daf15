"""The HTML view in a real browser: headless Chromium (Debian's `chromium` package).

The test writes the page of `astana view` (gold) and of `astana view --compare`, appends
its own probe script, and lets Chromium lay the page out. The probe records, for every
badge and mark, the computed text and background colours; for every text container its
`dir`, `lang` and computed direction; and, for every id line, where the id and the
"events:" label were drawn. `--dump-dom` returns the page with those records; the test
computes the WCAG contrast itself and counts the spans per label against gold.jsonl.
A screenshot of each page is written too. In CI a missing Chromium fails the test.
"""

import json
import os
import re
import shutil
import subprocess
from collections import Counter

import lxml.html
import pytest

from astana_corpus.cli.main import main
from astana_corpus.core.paths import GOLD_FILE
from tests.conftest import ROOT
from tests.test_view import RAW_GOLD, comparison_page, wcag_contrast

PROBE = """
<script>
(function () {
  const out = {colours: [], texts: [], lines: []};
  const box = (el) => el.getBoundingClientRect();
  for (const el of document.querySelectorAll("mark, .badge")) {
    const s = getComputedStyle(el);
    out.colours.push({tag: el.tagName, label: el.dataset.label || "",
                      cls: el.className, color: s.color, background: s.backgroundColor});
  }
  for (const el of document.querySelectorAll("p.text")) {
    out.texts.push({dir: el.getAttribute("dir"), lang: el.getAttribute("lang"),
                    direction: getComputedStyle(el).direction});
  }
  for (const el of document.querySelectorAll("p.meta, h2.doc")) {
    const id = el.querySelector("bdi"), label = el.querySelector(".ev-label");
    out.lines.push({id: id.textContent, id_left: box(id).left, id_right: box(id).right,
                    label_left: box(label).left, direction: getComputedStyle(el).direction});
  }
  const pre = document.createElement("pre");
  pre.id = "probe";
  pre.hidden = true;  // data for --dump-dom, not for the screenshot
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"""


def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        message = "chromium is not installed (apt-get install -y chromium; .ci/run does it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(f"LOUD SKIP (local only, CI fails here): {message}")
    return path


def run_chromium(page_path, screenshot):
    browser = chromium()
    flags = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    flags += ["--window-size=1280,2400", f"--user-data-dir={page_path.parent / 'profile'}"]
    url = page_path.as_uri()
    subprocess.run([*flags, f"--screenshot={screenshot}", url], check=True, timeout=120,
                   capture_output=True)  # fmt: skip
    dom = subprocess.run([*flags, "--dump-dom", url], check=True, timeout=120,
                         capture_output=True, text=True).stdout  # fmt: skip
    assert_drawn(screenshot)
    tree = lxml.html.fromstring(dom)
    return tree, json.loads(tree.get_element_by_id("probe").text_content())


def assert_drawn(screenshot):
    """A drawn page, not a blank one (a blank 1280x2400 PNG is still 14 kB)."""
    from PIL import Image

    with Image.open(screenshot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 20)
    assert colours is not None and len(colours) > 200, f"{screenshot}: blank page"


def rgb_hex(css):
    r, g, b = (int(x) for x in re.match(r"rgba?\((\d+), (\d+), (\d+)", css).groups()[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def with_probe(path):
    probed = path.with_name(path.stem + ".probe.html")
    probed.write_text(
        path.read_text("utf-8").replace("</body>", PROBE + "</body>"), encoding="utf-8"
    )
    return probed


def check_common(probe):
    assert probe["texts"] and all(
        t == {"dir": "rtl", "lang": "ar", "direction": "rtl"} for t in probe["texts"]
    )
    for line in probe["lines"]:
        # Drawn left to right: "p1 · events: —", the id first, in an LTR line.
        assert line["direction"] == "ltr"
        assert line["id_right"] <= line["label_left"], line
    for c in probe["colours"]:
        ratio = wcag_contrast(rgb_hex(c["color"]), rgb_hex(c["background"]))
        assert ratio >= 4.5, (c, ratio)


def test_gold_view_in_chromium(tmp_path):
    out = tmp_path / "gold.html"
    assert main(["--root", str(ROOT), "view", "--out", str(out)]) == 0
    tree, probe = run_chromium(with_probe(out), tmp_path / "gold.png")
    check_common(probe)
    expected = Counter(e["label"] for g in RAW_GOLD for e in g["entities"])
    marks = tree.xpath("//p[@class='text']//mark")
    assert Counter(m.get("data-label") for m in marks) == expected
    labelled = Counter(
        m.get("data-label")
        for m in marks
        if m.xpath("./span[contains(@class,'badge')]")[0].text_content() == m.get("data-label")
    )
    assert labelled == expected
    lines = [ln for ln in probe["lines"] if re.fullmatch(r"p\d+", ln["id"])]
    assert len(lines) == sum(len(g["paragraphs"]) for g in RAW_GOLD)
    # Every badge and mark of the page was measured: legend, spans, events.
    badge_count = len(tree.xpath("//*[contains(@class,'badge')]"))
    assert len(probe["colours"]) == len(marks) + badge_count
    assert (ROOT / GOLD_FILE).is_file()


def test_comparison_view_in_chromium(tmp_path):
    out, expected = comparison_page(tmp_path)
    tree, probe = run_chromium(with_probe(out), tmp_path / "compare.png")
    check_common(probe)
    badges = Counter(
        b.getparent().get("data-status") for b in tree.xpath("//mark/span[contains(@class,'ent')]")
    )
    assert badges == {
        "match": expected["entity-match"],
        "miss": expected["entity-miss"],
        "false-alarm": expected["entity-false-alarm"],
    }
    backgrounds = {
        c["cls"].split()[-1]: c["background"]
        for c in probe["colours"]
        if c["tag"] == "MARK" and c["cls"].startswith("ent ")
    }
    assert len(set(backgrounds.values())) == 3  # match, miss, false alarm look different
