"""One self-contained HTML page that steps through backpropagation, offline.

The page holds the widget's view (the same controls, explanation panel, keys
and presentation mode), the graph's data and its drawing laid out here by
Graphviz: it needs no kernel, no network and no WebAssembly, and opens from
``file://`` in any browser. A graph with up to ``MAX_STORED_SCOPES`` groups,
small enough to be drawn open, stores the drawing for every choice of collapsed
groups, so each group expands and collapses in the page; otherwise only the
drawing it was saved with is stored and the page says so when a group is clicked.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from itertools import combinations
from pathlib import Path
from typing import Any

from ..core.tensor import Tensor
from ..drawing.api import caller_names, graph
from ..drawing.graph import Graph
from ..drawing.render import render_both_ways, render_svg
from .widget import TURN_UP_TO_NODES

STANDALONE_BUNDLE = Path(__file__).parent.parent / "static" / "standalone.js"
MAX_STORED_SCOPES = 4  # 2**4 = 16 layouts stored at most

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
  body {{
    margin: 0; padding: 16px; font: 14px system-ui, sans-serif;
    background: var(--jp-layout-color0); color: var(--jp-ui-font-color1);
    --jp-layout-color0: #ffffff; --jp-layout-color1: #ffffff; --jp-layout-color2: #eeeeee;
    --jp-ui-font-color1: rgba(0, 0, 0, 0.87); --jp-ui-font-color2: rgba(0, 0, 0, 0.54);
    --jp-border-color2: #e0e0e0; --jp-brand-color1: #1976d2;
  }}
  @media (prefers-color-scheme: dark) {{
    body {{
      --jp-layout-color0: #111111; --jp-layout-color1: #212121; --jp-layout-color2: #424242;
      --jp-ui-font-color1: rgba(255, 255, 255, 0.87);
      --jp-ui-font-color2: rgba(255, 255, 255, 0.54);
      --jp-border-color2: #616161; --jp-brand-color1: #64b5f6;
    }}
  }}
  h1 {{ font-size: 16px; font-weight: 600; margin: 0 0 12px; }}
  #vizgrad-note {{ color: var(--jp-ui-font-color2); min-height: 1em; }}
</style>
</head>
<body>
<h1>{heading}</h1>
<div id="vizgrad-view"></div>
<p id="vizgrad-note" role="status"></p>
<noscript>{picture}</noscript>
<script type="application/json" id="vizgrad-data">{data}</script>
<script>{script}</script>
</body>
</html>
"""


def page_data(data: Graph, *, step: int | None = None,
              collapsed: Iterable[str] | None = None) -> dict[str, Any]:
    """What the page stores: the graph, the step to open on and the drawings it can show.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> d = page_data(vg.graph(f), step=1); d["step"], d["expandable"], len(d["drawings"])
    (1, True, 1)
    """
    if collapsed is None:
        ids = set(data.default_collapsed())
        collapsed = [s.name for s in data.scopes if s.id in ids]
    collapsed = list(collapsed)
    names = [s.name for s in data.scopes]
    # a graph that draws some group collapsed by default is too big to lay out open, and
    # every choice of groups costs a layout here: those pages keep only their own drawing
    expandable = len(names) <= MAX_STORED_SCOPES and not data.default_collapsed()
    choices = ([list(c) for k in range(len(names) + 1) for c in combinations(names, k)]
               if expandable else [collapsed])
    drawings = {}
    for choice in choices:
        ids = data.scope_ids(choice)
        dot = data.to_dot(collapse=ids, highlight=False)
        drawn = _whole(data, data.to_dict(collapse=ids, steps=()))
        # small drawings also top to bottom: the page shows whichever fits the window better
        svg, turned = (render_svg(dot), "") if len(drawn["nodes"]) > TURN_UP_TO_NODES else \
            render_both_ways(dot)
        drawings["\n".join(sorted(choice))] = {
            "graph": drawn, "dot": dot, "svg": svg, "svg_tb": turned}
    # the explanations once for all drawings; no kernel will send more
    steps = data.steps_dict(range(len(data.steps)))
    return {"steps": steps, "step": data.check_step(step), "collapsed": collapsed,
            "drawings": drawings, "expandable": expandable}


def _whole(data: Graph, drawn: dict[str, Any]) -> dict[str, Any]:
    """``drawn`` with the full text of every value, which a widget asks the kernel for."""
    for item in (*drawn["nodes"], *drawn["edges"]):
        if item["detail"]["value"] is None:
            try:
                item["detail"] = data.detail(item["id"])
            except KeyError:  # a collapsed scope's box: it has no value of its own
                pass
    drawn["more_steps"] = False
    return drawn


def html_page(data: Graph, *, step: int | None = None,
              collapsed: Iterable[str] | None = None, quiz: bool = False) -> str:
    """The page's text: one file, its script and data inline (``quiz``: opens in quiz mode)."""
    if not STANDALONE_BUNDLE.exists():
        from ..errors import RenderError
        raise RenderError("the page's script is not built; fix: (cd js && npm ci && "
                          "npm run build), or install vizgrad from a wheel")
    stored = {**page_data(data, step=step, collapsed=collapsed), "quiz": bool(quiz)}
    script = STANDALONE_BUNDLE.read_text(encoding="utf-8")
    payload = _inline(json.dumps(stored, separators=(",", ":"), allow_nan=False))
    name = html.escape(data.target_name)
    picture = data.to_svg(stored["step"], collapse=data.scope_ids(stored["collapsed"]))
    picture = picture[picture.find("<svg"):]  # for readers without JavaScript
    return _PAGE.format(title=f"vizgrad: backpropagation through {name}",
                        heading=f"Backpropagation through the graph of {name}",
                        picture=picture, data=payload, script=_inline(script))


def _inline(text: str) -> str:
    """``text`` safe inside a <script> element: "</script" would end it early.

    JSON strings and the bundle's strings and regular expressions read "<\\/" as "</".
    """
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def save_html(data: Graph, path: str | Path, *, step: int | None = None,
              collapsed: Iterable[str] | None = None, quiz: bool = False) -> Path:
    """Write the page to ``path``; the folder is made when missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_page(data, step=step, collapsed=collapsed, quiz=quiz), encoding="utf-8")
    return path


def export_html(y: Tensor | Graph, path: str | Path, step: int | None = 0, *, quiz: bool = False,
                **options: Any) -> Path:
    """Write one HTML page that steps through the backward pass of ``y``, offline.

    ``quiz=True``: the page opens in quiz mode (each step asked before it is shown).

    >>> import tempfile, vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> out = vg.export_html(f, tempfile.mkdtemp() + "/f.html"); out.suffix
    '.html'
    """
    if not isinstance(y, Graph) and options.get("names") is None:
        options["names"] = caller_names()  # the title says loss, not f
    data = y if isinstance(y, Graph) else graph(y, **options)
    return save_html(data, path, step=step, quiz=quiz)
