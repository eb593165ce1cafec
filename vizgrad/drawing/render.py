"""Running a Graphviz layout engine on DOT text.

The default engine is the ``graphviz-pure`` wheel: a port of Graphviz 16.1.0
installed by pip, the same Graphviz the widget runs in the browser, so an
exported SVG matches the widget and no system Graphviz is needed. A system
``dot`` can be chosen with ``engine="dot"`` or ``VIZGRAD_ENGINE=dot``.

The engine runs as a subprocess with a timeout, so a huge graph can never hang
the caller; the ``graphviz`` Python package offers no timeout and picks its
binary through a process-wide setting, so it is not used here.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..errors import RenderError

ENGINES = ("graphviz-pure", "dot")
TIMEOUT_SECONDS = 120
# Graphviz 16 writes fill="transparent"; Graphviz 2.x writes the colour as "#fffffe"
_TRANSPARENT_TEXT = re.compile(r'<text[^>]*fill="(?:transparent|#fffffe)"[^>]*>.*?</text>\n?',
                               re.S)


def find_engine(engine: str | None = None) -> str:
    """The path of the layout program for ``engine`` (default: graphviz-pure)."""
    engine = engine or os.environ.get("VIZGRAD_ENGINE") or "graphviz-pure"
    if sys.platform == "emscripten":  # Pyodide (JupyterLite): no Graphviz wheel, no subprocess
        raise RenderError(
            "this Python (Pyodide, e.g. JupyterLite) cannot run Graphviz, so it cannot write SVG "
            "files; what works here: vg.show(y) draws and steps in the browser, and the "
            "widget's download button saves the drawing as SVG")
    if engine not in ENGINES:
        raise RenderError(f"unknown engine {engine!r}; fix: use one of {', '.join(ENGINES)}")
    candidates = [Path(sysconfig.get_path("scripts")) / engine,
                  Path(sys.executable).parent / engine]
    for candidate in candidates:
        if candidate.exists():
            return str(candidate)
    found = shutil.which(engine)
    if found:
        return found
    fix = ("pip install graphviz-pure" if engine == "graphviz-pure"
           else "install Graphviz (apt-get install graphviz) or use the default engine")
    raise RenderError(f"the Graphviz engine {engine!r} was not found; fix: {fix}")


def render_svg(dot: str, engine: str | None = None, timeout: float = TIMEOUT_SECONDS) -> str:
    """Lay out ``dot`` and return SVG text; text drawn transparent is left out.

    Graphviz is deterministic, so the same DOT always gives the same picture.
    """
    program = find_engine(engine)
    try:
        done = subprocess.run([program, "-Tsvg"], input=dot.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {timeout:.0f} s to lay out this graph; "
                          "fix: draw it collapsed (collapse=None keeps the default) or use "
                          "vg.scope to group operations") from None
    svg = done.stdout.decode("utf-8", errors="replace")
    if done.returncode != 0 or "<svg" not in svg:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        errors = [line for line in lines if not line.startswith("Warning:")] or lines
        message = "\n".join(errors[:20])  # Graphviz can list thousands of nodes after it
        raise RenderError(f"Graphviz ({Path(program).name}) failed: {message}")
    return strip_transparent(svg)


def strip_transparent(svg: str) -> str:
    """Remove text drawn in transparent colour (gradients that have not arrived yet)."""
    return _TRANSPARENT_TEXT.sub("", svg)
