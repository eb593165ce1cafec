"""The notebook widget: a thin anywidget that hands a Graph to the browser.

It holds no autodiff code: it sends ``Graph.to_dict()`` and the DOT to lay
out, and keeps ``step`` and the collapsed scopes in sync with the view.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from ..core.tensor import Tensor
from ..drawing.graph import Graph, graph
from ..errors import ArgumentError, VizgradError

BUNDLE = Path(__file__).parent.parent / "static" / "widget.js"


class GraphWidget(anywidget.AnyWidget):
    """Draws a Graph and steps through its backward pass.

    ``step`` is synced both ways: set it from Python and the view follows.
    """

    _esm = BUNDLE if BUNDLE.exists() else "export default { render({ el }) { el.textContent = " \
        "'vizgrad: the widget front-end is not built; run ./dev lab or (cd js && npm ci && " \
        "npm run build)'; } }"
    graph = traitlets.Dict().tag(sync=True)
    dot = traitlets.Unicode("").tag(sync=True)
    step = traitlets.Int(0).tag(sync=True)
    collapsed = traitlets.List(traitlets.Unicode()).tag(sync=True)
    # text size multiplier: 1.5 draws every text half as large again (projectors)
    scale = traitlets.Float(1.0).tag(sync=True)

    def __init__(self, data: Graph, step: int | None = 0, *,
                 collapsed: list[str] | None = None, **kwargs: Any) -> None:
        self._graph = data
        if collapsed is None:
            scope_ids = data.default_collapsed()
            collapsed = [s.name for s in data.scopes if s.id in scope_ids]
        else:
            collapsed = _scope_names(collapsed)
            scope_ids = data.scope_ids(collapsed)
        super().__init__(graph=data.to_dict(), collapsed=collapsed,
                         dot=data.to_dot(collapse=scope_ids, highlight=False),
                         step=data.check_step(step), **kwargs)

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
    def _relayout(self, change: dict) -> None:
        self.dot = self._graph.to_dot(collapse=self._scope_ids(), highlight=False)

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


def show(y: Tensor | Graph, *, names: Mapping[str, Any] | None = None, step: int | None = 0,
         scale: float = 1.0, collapsed: list[str] | None = None, max_values: int | None = None,
         **options: Any) -> GraphWidget:
    """A widget that draws ``y``'s graph and steps through backpropagation.

    ``names``: a namespace (``locals()``) to name tensors after their variables;
    in a notebook the notebook's own variables are used when it is not given.
    ``scale``: text size multiplier (1.5 for a projector). ``collapsed``: the
    scopes drawn as one box each (default: those of large graphs); ``[]``
    expands them all. ``max_values``: show every entry of tensors up to this size.

    >>> import vizgrad as vg
    >>> x = vg.Variable(3.0, name="x")
    >>> vg.show(x * x, scale=1.5).scale
    1.5
    """
    if names is None:
        names = _notebook_namespace()
    if max_values is not None:
        options["max_values"] = max_values
    data = y if isinstance(y, Graph) else graph(y, names=names, **options)
    return GraphWidget(data, step=step, collapsed=collapsed, scale=scale)


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
