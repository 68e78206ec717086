"""The comparison page's figures: no label over another, every axis labelled with its unit.

The figures reach the HTML reports as PNG images, so a browser cannot measure their
labels; the bounding boxes here are matplotlib's own (the renderer that draws the PNG),
in display pixels, for every visible text of the figure: titles, axis and tick labels,
legend entries.
"""

from __future__ import annotations

import itertools
import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from drsim import compare
from drsim.report import figures

STRATEGIES = ("backup-restore", "pilot-light", "warm-standby", "hot-standby", "active-active")
UNIT = re.compile(r"\[[^\]]+\]")


@pytest.fixture(scope="module")
def compared():
    outcomes = compare.compare_scenarios(compare.load_all(STRATEGIES), trials=300, seed=1)
    return outcomes, compare.outcomes_table(outcomes), compare.common_objectives(outcomes)


def _undrawn_tick_labels(fig) -> set[int]:
    """ids of tick labels matplotlib keeps but does not draw (ticks outside the view)."""
    hidden = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                if not lo <= tick.get_loc() <= hi:
                    hidden.update({id(tick.label1), id(tick.label2)})
    return hidden


def _texts(fig):
    """``(text, bounding box in pixels)`` of every text the figure draws."""
    FigureCanvasAgg(fig).draw()
    renderer = fig.canvas.get_renderer()
    hidden = _undrawn_tick_labels(fig)
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]


def _overlaps(fig) -> list[str]:
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(_texts(fig), 2):
        w = min(box_a.x1, box_b.x1) - max(box_a.x0, box_b.x0)
        h = min(box_a.y1, box_b.y1) - max(box_a.y0, box_b.y0)
        if w > 1 and h > 1:  # more than a pixel each way: one label over another
            found.append(f"{a!r} over {b!r}")
    return found


def _unlabelled(fig) -> list[str]:
    missing = []
    for ax in fig.axes:
        for name, label in (("x", ax.get_xlabel()), ("y", ax.get_ylabel())):
            if not UNIT.search(label):
                missing.append(f"{ax.get_title() or 'axes'}: {name} label {label!r}")
    return missing


@pytest.mark.parametrize("draw", ["frontier", "rto_cdfs"])
def test_compare_figures_have_no_overlapping_labels_and_units_on_every_axis(compared, draw):
    outcomes, table, objectives = compared
    fig = (figures.frontier_figure(table, objectives) if draw == "frontier"
           else figures.rto_cdfs(outcomes, objectives))
    assert _overlaps(fig) == []
    assert _unlabelled(fig) == []
    # every configuration is named on the figure
    shown = {text for text, _ in _texts(fig)}
    assert set(STRATEGIES) <= shown


def test_the_overlap_check_finds_an_overlap():
    from matplotlib.figure import Figure

    fig = Figure()
    ax = fig.add_subplot()
    ax.text(0.5, 0.5, "pilot-light")
    ax.text(0.5, 0.5, "warm-standby")
    assert _overlaps(fig)


def test_linked_escapes_the_text_and_links_each_address():
    from drsim.report.display import linked

    text = "measured (https://a.example/x?y=1&z=2). <b>not bold</b> see https://b.example/p."
    assert linked(text) == (
        'measured (<a href="https://a.example/x?y=1&amp;z=2">https://a.example/x?y=1&amp;z=2'
        '</a>). &lt;b&gt;not bold&lt;/b&gt; see <a href="https://b.example/p">'
        'https://b.example/p</a>.')
