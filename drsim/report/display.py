"""Showing figures and tables in a notebook so that the report runner can find them.

A figure is displayed as SVG and PNG with output metadata ``{"drsim": {"figure": NAME}}``
(the HTML pages show the SVG: sharp at any zoom, and a browser can measure every label
in it; the PNG is for pasting elsewhere);
a table as HTML with ``{"drsim": {"table": NAME}}`` and, when given, plain data in
the ``application/vnd.drsim.record+json`` bundle (no front end renders that type,
so JupyterLab and nbconvert show the HTML; the runner reads the data for the
report index). Displaying the images ourselves, rather than leaving it to the
inline backend, is what makes nbconvert's HTML carry the figure.
"""

from __future__ import annotations

import base64
import io
import re

from drsim.jsontext import plain

RECORD_MIME = "application/vnd.drsim.record+json"
FIGURE_DPI = 100
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _check_name(name: str) -> str:
    from drsim.errors import DrsimError

    if not isinstance(name, str) or not _NAME.match(name):
        raise DrsimError(f"figure or table name {name!r}: use lower-case letters, digits, - "
                         "and _ (it becomes a file name)")
    return name


def figure_png(fig, dpi: int = FIGURE_DPI) -> bytes:
    """The figure rendered as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def figure_svg(fig) -> str:
    """The figure as SVG text. Text is drawn as glyph outlines (matplotlib's default
    ``svg.fonttype``), so it looks the same whatever fonts the viewer has; each text
    is one ``<g id="text_N">`` group a browser can measure. No date in the metadata
    and a fixed id salt, so the same figure gives the same bytes."""
    import matplotlib

    buf = io.StringIO()
    with matplotlib.rc_context({"svg.hashsalt": "drsim"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def show_figure(fig, name: str) -> None:
    """Display ``fig`` as SVG and PNG named ``name`` (the runner saves them as
    ``figures/NAME.svg`` and ``figures/NAME.png``; the HTML page shows the SVG)."""
    from IPython.display import display

    png = base64.b64encode(figure_png(fig)).decode("ascii")
    display({"image/svg+xml": figure_svg(fig), "image/png": png,
             "text/plain": f"<figure {_check_name(name)}>"}, raw=True,
            metadata={"drsim": {"figure": name}})


URL = re.compile(r"https?://[^\s<>\"')\]]+")
"""A web address in a table cell (stops before spaces, quotes and closing brackets)."""


def linked(text) -> str:
    """``text`` escaped for HTML, with each web address in it made a link. [-]"""
    import html

    out, at = [], 0
    text = str(text)
    for m in URL.finditer(text):
        url = m.group(0).rstrip(".,;:")
        out.append(html.escape(text[at:m.start()]))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url)}</a>')
        at = m.start() + len(url)
    out.append(html.escape(text[at:]))
    return "".join(out)


def show_table(df, name: str, record=None, index: bool = True, links: bool = False) -> None:
    """Display a DataFrame as an HTML table named ``name``, with ``record`` (JSON-able
    data) alongside for the runner; ``links`` makes the web addresses in its cells links
    (the sources table)."""
    from IPython.display import display

    shown = df.map(linked) if links else df
    bundle = {"text/html": shown.to_html(index=index, escape=not links, border=0, na_rep="-",
                                         classes="drsim-table"),
              "text/plain": df.to_string(index=index)}
    if record is not None:
        # Round-trip through JSON so the kernel sends plain data; JSON has no inf or NaN.
        bundle[RECORD_MIME] = plain(record)
    display(bundle, raw=True, metadata={"drsim": {"table": _check_name(name)}})


def show_note(text: str, name: str | None = None, record=None) -> None:
    """Display a short Markdown note (e.g. why a section has nothing to show, or a
    recommendation); with ``name``, ``record`` (JSON-able data) goes alongside for the
    runner, as :func:`show_table`'s does."""
    from IPython.display import Markdown, display

    if name is None:
        display(Markdown(text))
        return
    bundle = {"text/markdown": text, "text/plain": text}
    if record is not None:
        bundle[RECORD_MIME] = plain(record)
    display(bundle, raw=True, metadata={"drsim": {"table": _check_name(name)}})
