"""The notebook widget: a thin anywidget that hands a Graph to the browser.

It holds no autodiff code: it sends what the drawing shows
(``Graph.to_dict(collapse=...)``) and its DOT, keeps ``step`` and the collapsed
scopes in sync with the view, and answers the view's requests for explanations
past those sent and for a clicked value's full text.

Where the layout runs: when the kernel has Graphviz (``graphviz-pure``, the
same Graphviz 16.1.0 the browser would run, so the same SVG) the kernel lays
the DOT out and sends the SVG, and the browser gets a 40 KB bundle without the
WebAssembly engine; a notebook saved with widget state then stays light. Where
it has none (Pyodide in JupyterLite) the browser lays out with the full bundle.

Displayed, the widget is followed by a second output: a picture of the drawing
(``image/svg+xml``) with a text description, for the readers of a saved
notebook that run no JavaScript. It shows the whole backward pass (every
gradient) until the reader leaves the widget on another step than the one it
opened on, then that step, kept current. The view hides that picture wherever
it runs itself.
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..core.tensor import Tensor
from ..drawing.api import graph
from ..drawing.graph import STEP_WINDOW, Graph
from ..errors import ArgumentError, RenderError, VizgradError

STATIC = Path(__file__).parent.parent / "static"
BUNDLE = STATIC / "widget.js"  # lays out in the browser (Graphviz as WebAssembly inside)
KERNEL_LAYOUT_BUNDLE = STATIC / "widget-kernel-layout.js"  # shows the kernel's layout only
# the same with quiz mode, sent only to a widget that turns it on (a saved notebook stays light)
QUIZ_BUNDLE = STATIC / "widget-kernel-layout-quiz.js"
NOT_BUILT = ("export default { render({ el }) { el.textContent = 'vizgrad: the widget "
             "front-end is not built; run ./dev lab or (cd js && npm ci && npm run build)'; } }")
# the mark on the saved picture's root element that tells the view it may hide it
PICTURE_MARK = "data-vizgrad-picture"
# a reader clicking through steps sends a burst of changes: redraw the picture once after it
PICTURE_DELAY_SECONDS = 0.4
PICTURES_KEPT = 8  # pictures of recent steps kept, for stepping back and forth
# graphs up to this many nodes get their other mode (forward / reverse) when shown, so the
# first switch keeps the layout too
EAGER_OTHER_MODE = 100
GROUPED_WINDOW = 100  # explanations sent at first when groups are closed (more on request)
TURN_UP_TO_NODES = 150  # drawings up to this size are laid out both ways (js/view.js too)
CELL_ROOM_PT = (620.0, 330.0)  # a notebook cell's room for the drawing: 830 x 440 px
TURN_GAIN = 1.1  # a top-to-bottom layout is sent when it shows the graph this much better
READABLE_SCALE = 0.8  # the drawing's scale at which its text is 12 px on screen


@cache
def _bundle(path: Path) -> str:
    return path.read_text(encoding="utf-8") if path.exists() else NOT_BUILT


@cache
def kernel_can_lay_out() -> bool:
    """True when this Python has a Graphviz engine (graphviz-pure, or VIZGRAD_ENGINE)."""
    from ..drawing.render import find_engine
    try:
        find_engine()
    except RenderError:
        return False
    return True


class GraphWidget(anywidget.AnyWidget):
    """Draws a Graph and steps through its backward pass.

    ``step`` is synced both ways: set it from Python and the view follows.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x"); f = x * x
    >>> w = vg.show(f); w.step = 1; w.data.last_step
    1
    """

    _esm = BUNDLE
    graph = traitlets.Dict().tag(sync=True)
    dot = traitlets.Unicode("").tag(sync=True)
    # the layout of ``dot`` made in the kernel; empty: the browser lays out
    svg = traitlets.Unicode("").tag(sync=True)
    # the same DOT laid out top to bottom (small drawings): the view keeps whichever
    # shows the graph larger in the room it has
    svg_tb = traitlets.Unicode("").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    # "reverse" steps backpropagation, "forward" pushes tangents forward on the same nodes
    mode = traitlets.Unicode("reverse").tag(sync=True)
    # the modes this widget can switch between (one: no switch is shown)
    modes = traitlets.List(traitlets.Unicode()).tag(sync=True)
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # text size multiplier: 1.5 draws every text half as large again (projectors)
    scale = traitlets.Float(1.0).tag(sync=True)
    # quiz mode: each step's result is asked for before it is shown (the view's toggle too)
    quiz = traitlets.Bool(False).tag(sync=True)

    def __init__(self, data: Graph, step: int | None = 0, *,
                 collapsed: list[str] | None = None, kernel_layout: bool | None = None,
                 remake: Any = None, **kwargs: Any) -> None:
        self._graph = data
        # mode -> the Graph of the same tensors in that mode (None: a Graph given as is)
        self._remake = remake
        self._graphs = {data.mode: data}
        kwargs.setdefault("mode", data.mode)
        self._kernel_layout = kernel_can_lay_out() if kernel_layout is None else kernel_layout
        # an instance attribute, read by AnyWidget.__init__ as the front end to send
        self._esm = _bundle(self._bundle_path(kwargs.get("quiz", False)))
        self._picture_id: str | None = None  # the display id of the picture, once shown
        self._picture_timer: asyncio.TimerHandle | None = None
        self._pictures: dict[tuple[int, tuple[str, ...]], str] = {}
        if collapsed is None:
            scope_ids = data.default_collapsed()
            collapsed = [s.name for s in data.scopes if s.id in scope_ids]
        else:
            scope_ids = data.scope_ids(_scope_names(collapsed))
            names = {s.id: s.name for s in data.scopes}  # "h.0.attn" is the scope "h/0/attn"
            collapsed = [names[i] for i in scope_ids]
        dot = self._layout_dot(scope_ids)
        kwargs.setdefault("modes", ["reverse", "forward"] if self._remake is not None
                          else [data.mode])
        self._constructing = True
        graph_dict = self._drawn_dict(scope_ids)
        svg, svg_tb = self._layouts(dot, graph_dict)
        super().__init__(graph=graph_dict, collapsed=collapsed, dot=dot, svg=svg,
                         svg_tb=svg_tb, step=data.check_step(step), **kwargs)
        self._constructing = False
        self._opened_on = self.step  # the picture shows the whole pass while on this step
        self.on_msg(self._answer)

    @property
    def data(self) -> Graph:
        """The Graph this widget shows."""
        return self._graph

    @traitlets.validate("step")
    def _valid_step(self, proposal: dict) -> int:
        try:
            return self._graph.check_step(proposal["value"])
        except ArgumentError as error:
            raise traitlets.TraitError(str(error)) from None

    @traitlets.validate("mode")
    def _valid_mode(self, proposal: dict) -> str:
        mode = proposal["value"]
        if mode not in ("reverse", "forward"):
            raise traitlets.TraitError(f"mode={mode!r} is not known; fix: 'reverse' "
                                       "(backpropagation) or 'forward' (tangents forward)")
        if mode not in self._graphs and self._remake is None:
            raise traitlets.TraitError("this widget draws a Graph, a PyTorch tensor or a micrograd "
                                       "value, so it has no other mode; fix: vg.show(y, "
                                       f"mode={mode!r}) with a vizgrad tensor")
        return mode

    @traitlets.observe("mode")
    def _switch_mode(self, change: dict) -> None:
        """The same nodes and edges, the other mode's numbers and steps."""
        if self._constructing:
            return
        mode = change["new"]
        if mode not in self._graphs:
            self._graphs[mode] = self._remake(mode)
        self._graph = self._graphs[mode]
        self._relayout({}, step=min(self.step, self._graph.last_step))

    def _bundle_path(self, quiz: bool) -> Path:
        if not self._kernel_layout:
            return BUNDLE  # lays out in the browser, quiz and all
        return QUIZ_BUNDLE if quiz else KERNEL_LAYOUT_BUNDLE

    @traitlets.observe("quiz")
    def _quiz_turned(self, change: dict) -> None:
        """Quiz mode turned on (the view's button): the view gets the bundle that has it."""
        if change["new"] and not self._constructing:
            self._esm = _bundle(self._bundle_path(True))

    @traitlets.validate("scale")
    def _valid_scale(self, proposal: dict) -> float:
        scale = proposal["value"]
        if not (0.25 <= scale <= 8):
            raise traitlets.TraitError(
                f"scale={scale!r} is out of range; fix: a text size multiplier between 0.25 and "
                "8, e.g. scale=1.5 for a projector")
        return scale

    @traitlets.validate("collapsed")
    def _valid_collapsed(self, proposal: dict) -> list[str]:
        # checked before the trait changes, so a typo leaves the drawing as it was
        try:
            self._scope_ids(proposal["value"])
        except VizgradError as error:
            raise traitlets.TraitError(str(error)) from None
        return proposal["value"]

    @traitlets.observe("collapsed")
    def _relayout(self, change: dict, step: int | None = None) -> None:
        if self._constructing:  # __init__ already sent the DOT for these scopes
            return
        ids = self._scope_ids()
        dot = self._layout_dot(ids)
        with self.hold_sync():  # the view gets the DOT and its layout in one message
            self.graph = self._drawn_dict(ids)  # the data of what is now drawn
            self.svg, self.svg_tb = self._layouts(dot, self.graph)
            self.dot = dot
            if step is not None:
                self.step = step
        self._picture_changed()

    @traitlets.observe("step")
    def _stepped(self, change: dict) -> None:
        self._picture_changed()

    def _answer(self, _widget: Any, content: Any, _buffers: Any) -> None:
        """The view's requests: explanations past those sent, a value's full text."""
        if not isinstance(content, dict):
            return
        if content.get("type") == "steps":
            start = content.get("from")
            if isinstance(start, int) and 0 <= start < len(self._graph.steps):
                stop = min(len(self._graph.steps), start + STEP_WINDOW)
                self.send({"type": "steps", "start": start,
                           "steps": self._graph.steps_dict(range(start, stop))})
        elif content.get("type") == "detail":
            item_id = content.get("id")
            try:
                detail = self._graph.detail(str(item_id))
            except KeyError:
                return  # a scope box, or an id from an older drawing: nothing to add
            self.send({"type": "detail", "id": item_id, "detail": detail})

    def _drawn_dict(self, ids: list[str]) -> dict:
        """Only what the drawing with these groups closed shows; the view asks for more
        steps and full values. With groups closed it shows a fraction of its ops: fewer
        explanations to start."""
        window = GROUPED_WINDOW if ids else STEP_WINDOW
        return self._graph.to_dict(collapse=ids, steps=range(min(len(self._graph.steps), window)))

    def _layout_dot(self, ids: list[str]) -> str:
        """The DOT to lay out: with the other mode's texts laid out invisibly, so that
        switching modes moves nothing. A small graph gets its other mode made at once;
        a large one when first switched to (its first switch lays it out anew)."""
        other_mode = "forward" if self._graph.mode == "reverse" else "reverse"
        other = self._graphs.get(other_mode)
        if other is None and self._remake is not None and len(self._graph.nodes) <= \
                EAGER_OTHER_MODE:
            try:
                other = self._graphs[other_mode] = self._remake(other_mode)
            except VizgradError:   # no input to move (integers only): no switch offered
                self._remake = None
        return self._graph.to_dot(collapse=ids, highlight=False, ghost=other)

    def _layout(self, dot: str) -> str:
        if not self._kernel_layout:
            return ""
        from ..drawing.render import render_svg
        return render_svg(dot)

    def _layouts(self, dot: str, drawn: dict) -> tuple[str, str]:
        """The left-to-right layout of ``dot``, and its top-to-bottom one when that could
        show the graph larger in a notebook cell ('' when not, or when the drawing is too
        big to be turned): both laid out in one Graphviz run."""
        if not self._kernel_layout or len(drawn["nodes"]) > TURN_UP_TO_NODES:
            return self._layout(dot), ""
        from ..drawing.render import render_both_ways
        svg, turned = render_both_ways(dot)
        return svg, turned if _shown_larger(turned, svg) else ""

    def _scope_ids(self, names: list[str] | None = None) -> list[str]:
        return self._graph.scope_ids(self.collapsed if names is None else names)

    def save_svg(self, path: str | Path, step: int | None = None) -> Path:
        """Write the drawing at ``step`` (default: the step shown) to an SVG file."""
        shown = self.step if step is None else step
        return self._graph.save_svg(path, shown, collapse=self._scope_ids())

    def to_svg(self, step: int | None = None) -> str:
        """The drawing at ``step`` (default: the step shown) as SVG text."""
        return self._graph.to_svg(self.step if step is None else step,
                                  collapse=self._scope_ids())

    def save_html(self, path: str | Path) -> Path:
        """Write one self-contained HTML page that steps through this drawing, offline."""
        from .html import save_html
        return save_html(self._graph, path, step=self.step, collapsed=self.collapsed,
                         quiz=self.quiz)

    # ---- what a notebook saves --------------------------------------------------------
    def _picture_step(self) -> int:
        """The step the saved picture shows: the last, unless the reader chose another."""
        return self._graph.last_step if self.step == self._opened_on else self.step

    def _describe(self, step: int | None = None) -> str:
        """One line for the notebook's text view: the graph and the step shown."""
        shown = self.step if step is None else step
        return f"vizgrad graph of {self._graph.target_name}, step {shown}/{self._graph.last_step}"

    def _picture_description(self, step: int) -> str:
        """What the picture at ``step`` shows, in words; the whole pass names its gradients."""
        graph = self._graph
        text = self._describe(step)
        if step == graph.last_step and step > 0:
            done = [line for line in graph.steps[step].lines if line.startswith("Done: ")]
            text += ": the whole backward pass" + (f"; {done[0][6:]}" if done else "")
        return text

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> tuple[dict, dict] | None:
        """The widget view and a line of text; ``include``/``exclude`` as IPython passes them."""
        bundle = super()._repr_mimebundle_(**kwargs)
        if bundle is None:
            return None
        data, metadata = bundle
        data = {**data, "text/plain": f"{self._describe()} (an interactive widget)"}
        return _filtered(data, include, exclude), metadata

    def picture_bundle(self, include: Any = None, exclude: Any = None) -> dict[str, str]:
        """The step shown as ``image/svg+xml`` and a line of text; no layout for text only.

        >>> import vizgrad as vg
        >>> x = vg.Variable(3.0, name="x"); f = x * x
        >>> vg.show(f).picture_bundle(include=["text/plain"])
        {'text/plain': 'vizgrad graph of f, step 1/1: the whole backward pass; ∂f/∂x = 6'}
        """
        wanted = _filtered({"image/svg+xml": None, "text/plain": None}, include, exclude)
        data = {}
        step = self._picture_step()
        if "image/svg+xml" in wanted and self._kernel_layout:
            data["image/svg+xml"] = self._picture(step)
        if "text/plain" in wanted:
            data["text/plain"] = self._picture_description(step)
        return data

    def _picture(self, step: int) -> str:
        key = (step, tuple(self.collapsed))
        if key not in self._pictures:
            whole = step == self._graph.last_step  # every op has run: none is current
            svg = self._graph.to_svg(step, collapse=self._scope_ids(), highlight=not whole)
            description = html.escape(self._picture_description(step))
            svg = svg.replace("<svg", f'<svg {PICTURE_MARK}="" role="img" '
                              f'aria-label="{description}"', 1)
            self._pictures[key] = svg
            while len(self._pictures) > PICTURES_KEPT:  # the oldest goes first
                del self._pictures[next(iter(self._pictures))]
        return self._pictures[key]

    def _ipython_display_(self, **kwargs: Any) -> None:
        """Two outputs: the live view, then the picture a reader without JavaScript sees."""
        from IPython.display import display
        bundle = self._repr_mimebundle_(**kwargs)
        if bundle is not None:
            display(bundle[0], metadata=bundle[1], raw=True)
        if not self._kernel_layout:  # no Graphviz here to draw it (JupyterLite)
            return
        if self._picture_id is None:
            self._picture_id = f"vizgrad-picture-{self.model_id}"
        display(self.picture_bundle(), raw=True, display_id=self._picture_id)

    def _picture_changed(self) -> None:
        if self._picture_id is None:
            return
        # a change that came from the view (a click) is one of a burst: wait for the last
        from_view = bool(getattr(self, "_property_lock", None))
        loop = _running_loop()
        if not from_view or loop is None:
            self._update_picture()
            return
        if self._picture_timer is not None:
            self._picture_timer.cancel()
        self._picture_timer = loop.call_later(PICTURE_DELAY_SECONDS, self._update_picture)

    def _update_picture(self) -> None:
        from IPython.display import update_display
        self._picture_timer = None
        update_display(self.picture_bundle(), raw=True, display_id=self._picture_id)


def _shown_larger(svg: str, other: str, room: tuple[float, float] = CELL_ROOM_PT) -> bool:
    """True when ``svg`` shows the graph better than ``other`` in a notebook cell's ``room``:
    whole at a larger scale, or, when neither fits whole at a readable scale, more of it.

    Where the widget opens, the view picks between the two in the room it really
    has (js/sizing.js, the same rule); this only spares a saved notebook a second
    layout that would never win.
    """
    from ..drawing.render import svg_size

    def score(text: str) -> float:
        width, height = svg_size(text)
        scale = min(room[0] / width, room[1] / height)
        if scale >= READABLE_SCALE:
            return 1000 + scale
        return (min(1.0, room[0] / (width * READABLE_SCALE)) *
                min(1.0, room[1] / (height * READABLE_SCALE)))

    return score(svg) > TURN_GAIN * score(other)


def _filtered(data: dict, include: Any, exclude: Any) -> dict:
    """``data`` keeping the mime types in ``include`` (all when None) and not in ``exclude``."""
    return {mime: value for mime, value in data.items()
            if (include is None or mime in include) and not (exclude and mime in exclude)}


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def show(y: Tensor | Graph, *, names: Mapping[str, Any] | None = None, step: int | None = 0,
         scale: float = 1.0, collapsed: list[str] | None = None, max_values: int | None = None,
         mode: str = "reverse", seed: Mapping[Any, Any] | None = None, quiz: bool = False,
         **options: Any) -> GraphWidget:
    """A widget that draws ``y``'s graph and steps through backpropagation.

    ``mode="forward"`` steps forward mode on the same drawing instead, from ``seed``
    (the tangent of each input that moves, e.g. ``{"x1": 1.0}``; default: the first
    variable moves at rate 1). ``widget.mode`` switches between the two.

    ``names``: a namespace (``locals()``) to name tensors after their variables;
    in a notebook the notebook's own variables are used when it is not given.
    ``scale``: text size multiplier (1.5 for a projector). ``collapsed``: the
    scopes drawn as one box each, by name ("transformer.h.0.attn" or
    "transformer/h/0/attn"; default: those of large graphs); ``[]`` expands them
    all. ``depth=N``: groups nested deeper than N start collapsed (0: each top-level
    group is one box); clicking a group opens one level. ``max_values``: show every
    entry of tensors up to this size.
    ``quiz``: predict, then reveal: each step asks for its result before showing it.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x")
    >>> vg.show(x * x, scale=1.5).scale
    1.5
    """
    if names is None:
        names = _notebook_namespace()
    if max_values is not None:
        options["max_values"] = max_values
    if isinstance(y, Graph) or not isinstance(y, Tensor):   # a Graph, PyTorch, micrograd
        if mode != "reverse" or seed is not None:
            raise ArgumentError("forward mode draws vizgrad tensors only; fix: vg.show(y, "
                                "mode='forward', seed=...) with a vizgrad tensor y")
        data = y if isinstance(y, Graph) else graph(y, names=names, **options)
        return GraphWidget(data, step=step, collapsed=collapsed, scale=scale, quiz=bool(quiz))
    if seed is not None and mode == "reverse":
        mode = "forward"   # a seed asks for forward mode
    tangents = seed

    def remake(wanted: str) -> Graph:
        nonlocal tangents
        if wanted == "reverse":
            return graph(y, names=names, **options)
        if tangents is None:
            from ..core.forward import default_seed
            tangents = default_seed(y)
        return graph(y, names=names, mode="forward", seed=tangents, **options)

    if mode not in ("reverse", "forward"):
        raise ArgumentError(f"mode={mode!r} is not known; fix: mode='reverse' "
                            "(backpropagation) or mode='forward' (tangents forward)")
    return GraphWidget(remake(mode), step=step, collapsed=collapsed, scale=scale,
                       remake=remake, quiz=bool(quiz))


def _scope_names(collapsed: Any) -> list[str]:
    """``collapsed`` as a list of scope names, or a clear error."""
    if isinstance(collapsed, str) or not all(isinstance(name, str) for name in collapsed):
        raise ArgumentError(f"collapsed={collapsed!r} is not a list of scope names; fix: e.g. "
                            'collapsed=["layer1"], or collapsed=[] to expand every scope')
    return list(collapsed)


def _notebook_namespace() -> Mapping[str, Any] | None:
    """The running IPython shell's variables, or None outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    return None if shell is None else shell.user_ns
