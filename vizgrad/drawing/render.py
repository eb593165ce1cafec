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
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import RenderError
from .dot import to_dot

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Graph

ENGINES = ("graphviz-pure", "dot")
TIMEOUT_SECONDS = 120
PNG_WIDTH = 1920  # pixels: a full-HD slide
STEPS_PER_RUN = 50  # pictures of steps laid out in one Graphviz run
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
    return render_svgs([dot], engine, timeout)[0]


def render_svgs(dots: Sequence[str], engine: str | None = None,
                timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """Lay out several DOT graphs in one Graphviz run (it starts once): their SVGs, in order.

    >>> [svg.count("<svg") for svg in render_svgs(["digraph { a }", "digraph { b -> c }"])]
    [1, 1]
    """
    made = _run("\n".join(dots), ["-Tsvg"], engine, timeout).decode("utf-8", errors="replace")
    svgs = [part + "</svg>\n" for part in made.split("</svg>\n")[:-1]]  # texts are escaped
    if len(svgs) != len(dots):
        raise RenderError(f"Graphviz gave {len(svgs)} drawings for {len(dots)} graphs; fix: "
                          "lay each graph out on its own with render_svg")
    return [strip_transparent(svg) for svg in svgs]


def render_both_ways(dot: str, engine: str | None = None) -> tuple[str, str]:
    """The left-to-right layout of ``dot`` and its top-to-bottom one, from one Graphviz run.

    >>> [svg.count("<svg") for svg in render_both_ways("digraph { rankdir=LR a -> b }")]
    [1, 1]
    """
    across, down = render_svgs([dot, dot.replace("rankdir=LR", "rankdir=TB", 1)], engine)
    return across, down


def render_png(dot: str, width: int = PNG_WIDTH, engine: str | None = None,
               timeout: float = TIMEOUT_SECONDS) -> bytes:
    """Lay out ``dot`` and return a PNG ``width`` pixels wide (the drawing scaled to fit).

    Graphviz draws the PNG itself (graphviz-pure renders PNG with no system library),
    so a slide needs nothing beyond the pip install.

    >>> render_png("digraph { a -> b }", width=200)[:4]
    b'\x89PNG'
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 16:
        raise RenderError(f"a PNG width must be a whole number of pixels (16 or more), got "
                          f"{width!r}; fix: e.g. width=1920 for a full-HD slide")
    # size "W,H!" scales the drawing up or down until it is W inches wide (at 96 dpi)
    options = ["-Tpng", "-Gdpi=96", f"-Gsize={width / 96:g},10000!"]
    return _run(dot, options, engine, timeout, "\x89PNG")


def _run(dot: str, options: list[str], engine: str | None, timeout: float,
         starts: str = "") -> bytes:
    """Graphviz's output for ``dot``, or a RenderError with its message."""
    program = find_engine(engine)
    try:
        done = subprocess.run([program, *options], input=dot.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"Graphviz took longer than {timeout:.0f} s to lay out this graph; "
                          "fix: draw it collapsed (collapse=None keeps the default) or use "
                          "vg.scope to group operations") from None
    made = done.stdout
    ok = made.startswith(starts.encode("latin-1")) if starts else b"<svg" in made
    if done.returncode != 0 or not ok:
        lines = done.stderr.decode("utf-8", errors="replace").strip().splitlines()
        errors = [line for line in lines if not line.startswith("Warning:")] or lines
        message = "\n".join(errors[:20])  # Graphviz can list thousands of nodes after it
        raise RenderError(f"Graphviz ({Path(program).name}) failed: {message}")
    return made


_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"')


def svg_size(svg: str) -> tuple[float, float]:
    """The width and height (in points) Graphviz gave an SVG.

    >>> svg_size('<svg width="62pt" height="116pt" viewBox="0 0 62 116">')
    (62.0, 116.0)
    """
    match = _SIZE.search(svg)
    if match is None:
        raise RenderError("the SVG has no size in points; fix: lay it out with Graphviz")
    return float(match.group(1)), float(match.group(2))


def strip_transparent(svg: str) -> str:
    """Remove text drawn in transparent colour (gradients that have not arrived yet)."""
    return _TRANSPARENT_TEXT.sub("", svg)


# -- drawings of a Graph ---------------------------------------------------------------
def _dot_of(graph: Graph, step: int | None, collapse: Iterable[str] | None,
            style: dict[str, Any]) -> str:
    """The DOT of ``graph`` at ``step``; a picture of the whole pass (step None) marks no
    op as current, since every op has run."""
    if step is None:
        style.setdefault("highlight", False)
    return to_dot(graph, graph.check_step(step), collapse=collapse, **style)


def to_svg(graph: Graph, step: int | None = None, *, collapse: Iterable[str] | None = None,
           engine: str | None = None, **style: Any) -> str:
    """The drawing of ``graph`` at ``step`` (None: the last step) as SVG text."""
    return render_svg(_dot_of(graph, step, collapse, style), engine=engine)


def save(graph: Graph, path: str | Path, step: int | None = None, **options: Any) -> Path:
    """Write the drawing of ``graph`` at ``step`` to a file of the kind its name says.

    ``.svg`` (or no suffix) writes SVG, ``.png`` a PNG (``width`` pixels); any other
    suffix is refused rather than filled with bytes of another kind.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".png":
        return save_png(graph, path, step, **options)
    if suffix not in ("", ".svg"):
        raise RenderError(f"cannot write {path.name}: a drawing is saved as .svg or .png, not "
                          f"{suffix}; fix: e.g. {path.with_suffix('.svg')}")
    options.pop("width", None)  # the size of a PNG: an SVG scales to any
    path.write_text(to_svg(graph, step, **options), encoding="utf-8")
    return path


def save_steps(graph: Graph, directory: str | Path, **options: Any) -> list[Path]:
    """Write one SVG per step (``step_00.svg`` ...) for slides."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    width = max(2, len(str(graph.last_step)))
    engine, collapse = options.pop("engine", None), options.pop("collapse", None)
    options.pop("width", None)  # the size of a PNG: an SVG scales to any
    paths = []
    for first in range(0, len(graph.steps), STEPS_PER_RUN):  # Graphviz starts once per run
        steps = range(first, min(len(graph.steps), first + STEPS_PER_RUN))
        svgs = render_svgs([_dot_of(graph, i, collapse, dict(options)) for i in steps],
                           engine=engine, timeout=TIMEOUT_SECONDS * len(steps))
        for i, svg in zip(steps, svgs):
            path = directory / f"step_{i:0{width}d}.svg"
            path.write_text(svg, encoding="utf-8")
            paths.append(path)
    return paths


def save_png(graph: Graph, path: str | Path, step: int | None = None, *,
             collapse: Iterable[str] | None = None, engine: str | None = None,
             width: int = PNG_WIDTH, **style: Any) -> Path:
    """Write the drawing of ``graph`` at ``step`` to a PNG ``width`` pixels wide."""
    dot = _dot_of(graph, step, collapse, style)
    path = Path(path)
    path.write_bytes(render_png(dot, width, engine=engine))
    return path
