"""Headless Chromium for the report tests: load a page, and measure the labels of its figures.

The pages show each figure as an SVG image (``<img src="data:image/svg+xml;base64,...">``).
An image's inside is closed to the page's scripts, so the probe script decodes each SVG,
puts it in the page as it is and asks the browser for the box of every text matplotlib
drew (one ``<g id="text_N">`` per text, its string in a comment) and of every axis label
(the text group directly inside ``<g id="matplotlib.axis_N">``; tick labels sit deeper,
in ``xtick_*``/``ytick_*`` groups). The boxes are the browser's, in CSS pixels.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]

_PROBE = """<script>
window.addEventListener("load", () => {
  // matplotlib writes a text's string as a comment in its group, one per line
  const says = g => [...g.childNodes].filter(n => n.nodeType === Node.COMMENT_NODE)
    .map(n => n.data.trim()).join("\\n");
  const box = (g, frame) => {
    const r = g.getBoundingClientRect();
    return {x0: r.left - frame.left, y0: r.top - frame.top,
            x1: r.right - frame.left, y1: r.bottom - frame.top};
  };
  const figures = [...document.querySelectorAll('img[src^="data:image/svg+xml"]')].map(img => {
    const bytes = Uint8Array.from(atob(img.src.split(",")[1]), c => c.charCodeAt(0));
    const doc = new DOMParser().parseFromString(new TextDecoder().decode(bytes), "image/svg+xml");
    const holder = document.createElement("div");
    holder.style.cssText = "position:absolute;left:0;top:0";
    holder.appendChild(document.importNode(doc.documentElement, true));
    document.body.appendChild(holder);
    const svg = holder.querySelector("svg");
    const frame = svg.getBoundingClientRect();
    const texts = [...svg.querySelectorAll('g[id^="text_"]')]
      .map(g => ({text: says(g), ...box(g, frame)}))
      .filter(t => t.x1 - t.x0 > 0 && t.y1 - t.y0 > 0);
    const axes = [...svg.querySelectorAll('g[id^="matplotlib.axis_"]')].map(a => {
      const label = a.querySelector(':scope > g[id^="text_"]');
      const ticks = [...a.querySelectorAll(':scope > g[id*="tick_"] g[id^="text_"]')].map(says);
      return {axis: a.id, label: label ? says(label) : "", ticks};
    });
    holder.remove();
    return {width: frame.width, height: frame.height, texts, axes};
  });
  const out = document.createElement("pre");
  out.id = "drsim-figures";
  out.textContent = JSON.stringify(figures);
  document.body.appendChild(out);
});
</script></body>"""


def chromium() -> str:
    """The Chromium executable, or skip saying how to install it."""
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("chromium is not installed (scripts/install-system-deps.sh installs it as root)")
    return exe


def dump_dom(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess:
    """Chromium's DOM of ``page`` once loaded (``--dump-dom``), scripts run."""
    return subprocess.run([chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={profile}",
                           "--virtual-time-budget=10000", *extra, "--dump-dom", page.as_uri()],
                          check=False, capture_output=True, text=True, timeout=180)


def figure_labels(page: Path, tmp_path: Path) -> list[dict]:
    """For every SVG figure on ``page``, in page order: its size, the box of every text it
    draws (``text``, ``x0 y0 x1 y1`` from the figure's top-left corner, CSS pixels) and
    each axis's label and tick labels, as the browser lays them out."""
    probe = page.with_name(f"{page.stem}.probe.html")
    probe.write_text(page.read_text(encoding="utf-8").replace("</body>", _PROBE, 1),
                     encoding="utf-8")
    try:
        dom = dump_dom(probe, tmp_path / f"profile-{page.stem}")
    finally:
        probe.unlink()
    found = re.search(r'<pre id="drsim-figures">(.*?)</pre>', dom.stdout, re.DOTALL)
    assert found, f"the probe wrote nothing; chromium said: {dom.stderr[-2000:]}"
    return json.loads(html.unescape(found.group(1)))


def overlaps(texts: list[dict], slack_px: float = 1.0) -> list[str]:
    """Pairs of texts whose boxes overlap by more than ``slack_px`` each way."""
    found = []
    for i, a in enumerate(texts):
        for b in texts[i + 1:]:
            w = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            h = min(a["y1"], b["y1"]) - max(a["y0"], b["y0"])
            if w > slack_px and h > slack_px:
                found.append(f"{a['text']!r} over {b['text']!r}")
    return found


NUMBER = re.compile(r"^[-\u2212+]?[\d,.]+(e[-\u2212+]?\d+)?%?$|mathdefault")
"""A tick label that is a number (``1,000``, ``\u22120.5``, ``20%``; log axes write
``$\\mathdefault{10^{2}}$``), possibly on two lines with words below (the share of violators)."""


def axis_faults(axis: dict, unit: re.Pattern) -> list[str]:
    """An axis of numbers needs a label naming its unit (``unit`` finds it); an axis of
    named categories (phases, services, configurations) a label saying what they are; an
    axis drawn without tick labels (the upper panel of a shared axis) none."""
    ticks = [t for t in axis["ticks"] if t]
    if not ticks and not axis["label"]:
        return []
    numeric = ticks and all(NUMBER.search(t.split("\n")[0].strip()) for t in ticks)
    if numeric and not unit.search(axis["label"]):
        return [f"{axis['axis']}: numbers labelled {axis['label']!r}, no [unit]"]
    if not axis["label"]:
        return [f"{axis['axis']}: categories {ticks[:3]} without a label"]
    return []


def clipped(figure: dict, slack_px: float = 0.5) -> list[str]:
    """Texts that reach past the figure's edges (cut off in the image)."""
    return [t["text"] for t in figure["texts"]
            if t["x0"] < -slack_px or t["y0"] < -slack_px
            or t["x1"] > figure["width"] + slack_px or t["y1"] > figure["height"] + slack_px]


UNIT = re.compile(r"\[[^\]]+\]")
"""A unit in brackets, as every axis of numbers must name it: ``RTO [s]``."""


def label_faults(figures: list[dict], unit: re.Pattern = UNIT) -> list[str]:
    """What the browser found wrong with the labels of ``figures`` (from
    :func:`figure_labels`): one over another, cut off at the figure's edge, an axis of
    numbers without its unit in brackets, an axis of categories without a label."""
    faults = []
    for i, fig in enumerate(figures, start=1):
        faults += [f"figure {i}: {o}" for o in overlaps(fig["texts"])]
        faults += [f"figure {i}: {t!r} cut off" for t in clipped(fig)]
        faults += [f"figure {i}: {f}" for a in fig["axes"] for f in axis_faults(a, unit)]
    return faults
