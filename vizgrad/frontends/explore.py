"""Tools a learner acts with: nudge an input and compare, check every op's gradient rule.

``explore(f, x=3.0, y=4.0)``: a slider and a number box per input, the drawing of
``f`` at the current inputs, and the first-order prediction of the change next to
the change itself. ``gradcheck_widget``: the drawing of ``f`` with every op's
analytic input gradients next to numerical ones, the wrong rule marked.
"""

from __future__ import annotations

import html
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

import ipywidgets as widgets
import numpy as np

from ..core.autodiff import gradients
from ..core.gradcheck import check_ops
from ..core.tensor import Tensor, as_tensor, is_floating
from ..drawing.api import graph
from ..drawing.build import build_graph
from ..drawing.format import short
from ..drawing.graph import Graph
from ..drawing.record import fresh_pass, position_of, trace_of_tensor
from ..drawing.render import render_both_ways
from ..drawing.trace import RuleCheck
from ..errors import ArgumentError
from .widget import GraphWidget, show

__all__ = ["Explorer", "explore", "gradcheck_widget"]


# -- gradcheck(f, inputs, show=True) -------------------------------------------------------
def gradcheck_graph(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                    atol: float = 1e-5, rtol: float = 1e-3) -> Graph:
    """The Graph of ``f`` at ``inputs`` with every op's gradient rule checked numerically.

    >>> import vizgrad as vg
    >>> g = gradcheck_graph(lambda x: x * x, [vg.tensor(3.0)])
    >>> for note in g.nodes[1].notes: print(note["text"])  # x * x: x is both operands
    Gradient check for x: analytic 3, numerical 3 (agree)
    Gradient check for x: analytic 3, numerical 3 (agree)
    """
    names = _parameter_names(f, len(inputs))
    tensors = []
    for name, given in zip(names, inputs):
        t = as_tensor(given)
        tensors.append(Tensor(t._data, requires_grad=is_floating(t.dtype), name=t.name or name))
    y = as_tensor(f(*tensors))
    backward_pass = fresh_pass(y)
    upstreams, sent = {}, {}
    for tid, upstream, contributions in backward_pass.raw_steps():
        upstreams[tid], sent[tid] = upstream, contributions
    seed = backward_pass.seeds[0]
    trace = trace_of_tensor(y, names=dict(zip(names, tensors)), backward_pass=backward_pass)
    checks = {}
    for check in check_ops(y, upstreams, sent, seed, eps=eps, atol=atol, rtol=rtol):
        i = position_of(trace, check.op)
        if i is None:
            continue
        verdict = "disagrees" if check.verdict == "disagrees" else \
            "unchecked" if check.verdict == "unchecked" else "agrees"
        checks[i] = RuleCheck(check.op._op.name, verdict, expected=check.numerical,
                              wrong=check.wrong, error=check.error, by="numerical",
                              sent=check.analytic)
    return build_graph(replace(trace, checks=checks))


def gradcheck_widget(f: Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
                     atol: float = 1e-5, rtol: float = 1e-3) -> GraphWidget:
    """The widget of ``f``'s graph, every op's gradient rule checked (see gradcheck_graph)."""
    data = gradcheck_graph(f, inputs, eps, atol, rtol)
    return show(data, step=data.last_step)


def _parameter_names(f: Callable[..., Any], count: int) -> list[str]:
    """The names of ``f``'s first ``count`` parameters (x0, x1, ... where it has none)."""
    try:
        parameters = [p.name for p in inspect.signature(f).parameters.values()
                      if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    except (TypeError, ValueError):
        parameters = []
    return [parameters[i] if i < len(parameters) else f"x{i}" for i in range(count)]


# -- explore(f, x=3.0, y=4.0) --------------------------------------------------------------
class Explorer(widgets.VBox):
    """Nudge the inputs of ``f`` and compare the gradient's prediction with the change.

    The reference point is where it opened (``explore(f, x=3.0)``): the prediction is
    ``Σ ∂f/∂xᵢ · Δxᵢ`` with the gradients there, ``Δxᵢ`` each input's distance from it.
    A slider and a number box per input, a panel with the comparison, the drawing.

    >>> e = Explorer(lambda x, y: x * x * y + y + 2, {"x": 3.0, "y": 4.0})
    >>> e.set(x=3.1); round(e.predicted_change, 6), round(e.actual_change, 6)
    (2.4, 2.44)
    """

    def __init__(self, f: Callable[..., Any], inputs: dict[str, Any]) -> None:
        if not inputs:
            raise ArgumentError("explore() needs at least one input to nudge; fix: name "
                                "each input with its value, e.g. vg.explore(f, x=3.0, y=4.0)")
        self._f = f
        self.reference = {name: _number(name, value) for name, value in inputs.items()}
        self.inputs = dict(self.reference)
        self.data, self.value, self.gradients = self._run(self.reference)
        self.reference_value, self.reference_gradients = self.value, self.gradients
        self.view = GraphWidget(self.data, step=self.data.last_step)
        self._first_svg = (self.view.svg, self.view.svg_tb)
        self._busy = False
        rows, self.sliders, self.boxes = [], {}, {}
        for name, value in self.inputs.items():
            reach = max(2.0, abs(value))
            slider = widgets.FloatSlider(value=value, min=value - reach, max=value + reach,
                                         step=0.01, readout=False, continuous_update=False,
                                         description=name)
            box = widgets.FloatText(value=value, step=0.1, description=name,
                                    layout=widgets.Layout(width="10em"))
            slider.observe(lambda change, n=name: self._moved(n, change["new"]), names="value")
            box.observe(lambda change, n=name: self._moved(n, change["new"]), names="value")
            slider.add_class("vizgrad-explore-slider")
            box.add_class("vizgrad-explore-box")
            self.sliders[name], self.boxes[name] = slider, box
            rows.append(widgets.HBox([slider, box]))
        self.panel = widgets.HTML(layout=widgets.Layout(margin="4px 0"))
        self.panel.add_class("vizgrad-explore-panel")
        super().__init__([*rows, self.panel, self.view])
        self.add_class("vizgrad-explore")
        self._write_panel()

    def _run(self, values: dict[str, float]) -> tuple[Graph, float, dict[str, float]]:
        tensors = {name: Tensor(np.float64(v), requires_grad=True, name=name)
                   for name, v in values.items()}
        try:
            y = as_tensor(self._f(**tensors))
        except TypeError as error:
            raise ArgumentError(f"explore() called f({', '.join(values)}) and it failed: "
                                f"{error}; fix: name each of f's parameters, e.g. "
                                "vg.explore(f, x=3.0, y=4.0) for def f(x, y)") from None
        names = list(tensors)
        grads = gradients(y, [tensors[n] for n in names], unconnected_gradients="zero")
        found = {n: float(np.sum(g._data)) for n, g in zip(names, grads)}
        return graph(y, names=tensors), float(np.sum(y._data)), found

    def set(self, **values: float) -> None:
        """Move some inputs and run ``f`` again: drawing, prediction and change follow."""
        unknown = [name for name in values if name not in self.inputs]
        if unknown:
            raise ArgumentError(f"explore() has no input {unknown[0]!r}; its inputs are "
                                f"{', '.join(self.inputs)}; fix: e.g. e.set("
                                f"{next(iter(self.inputs))}=1.0)")
        self.inputs.update({name: _number(name, v) for name, v in values.items()})
        self.data, self.value, self.gradients = self._run(self.inputs)
        self._redraw()
        self._busy = True  # the controls follow e.set(...) without running f again
        try:
            for name, value in self.inputs.items():
                slider = self.sliders[name]
                slider.min, slider.max = min(slider.min, value), max(slider.max, value)
                slider.value = value
                self.boxes[name].value = value
        finally:
            self._busy = False
        self._write_panel()

    def _redraw(self) -> None:
        """The new numbers on the first layout: nodes and edges stay where they were."""
        view = self.view
        view._graph, view._graphs = self.data, {self.data.mode: self.data}
        view._pictures.clear()  # pictures of the old numbers
        dot = view._layout_dot(view._scope_ids())
        with view.hold_sync():
            view.graph = view._drawn_dict(view._scope_ids())
            if self._first_svg[1]:  # both ways, in one Graphviz run
                svg, turned = render_both_ways(dot)
                view.svg_tb = _keep_positions(self._first_svg[1], turned)
            else:
                svg = view._layout(dot)
            view.svg = _keep_positions(self._first_svg[0], svg)
            view.dot = dot
            view.step = self.data.last_step
        view._picture_changed()

    def _ipython_display_(self, **kwargs: Any) -> None:
        """The controls and the drawing, then the drawing's picture for readers without
        JavaScript (it follows the inputs, as the widget's own picture does)."""
        from IPython.display import display
        data = self._repr_mimebundle_(**kwargs)  # ipywidgets: the data alone
        if data is not None:
            display(data, raw=True)
        view = self.view
        if view._kernel_layout:
            view._picture_id = f"vizgrad-picture-{view.model_id}"
            display(view.picture_bundle(), raw=True, display_id=view._picture_id)

    def _moved(self, name: str, value: float) -> None:
        if not self._busy and value != self.inputs[name]:
            self.set(**{name: value})

    @property
    def deltas(self) -> dict[str, float]:
        """Each input's distance from the reference point."""
        return {name: self.inputs[name] - self.reference[name] for name in self.inputs}

    @property
    def predicted_change(self) -> float:
        """The first-order prediction Σ ∂f/∂xᵢ · Δxᵢ, gradients at the reference point."""
        return float(sum(self.reference_gradients[n] * d for n, d in self.deltas.items()))

    @property
    def actual_change(self) -> float:
        """f at the current inputs minus f at the reference point."""
        return self.value - self.reference_value

    def summary(self) -> str:
        """The comparison in words, as the panel shows it."""
        at = ", ".join(f"{n} = {short(v)}" for n, v in self.reference.items())
        terms = " + ".join(f"{short(self.reference_gradients[n])} · {short(d)}"
                           for n, d in self.deltas.items())
        gap = self.actual_change - self.predicted_change
        return (f"Reference point: {at}, where f = {short(self.reference_value)} (the "
                f"gradients are taken there). Predicted Δf ≈ Σ ∂f/∂xᵢ · Δxᵢ = {terms} = "
                f"{short(self.predicted_change)}; actual Δf = {short(self.actual_change)}; "
                f"the straight-line picture is off by {short(gap)}.")

    def _write_panel(self) -> None:
        self.panel.value = (f'<div role="status" aria-label="Prediction">'
                            f"{html.escape(self.summary())}</div>")


def explore(f: Callable[..., Any], **inputs: float) -> Explorer:
    """Sliders for ``f``'s inputs, its drawing, and the gradient's prediction vs the change.

    >>> import vizgrad as vg
    >>> e = vg.explore(lambda x: vg.relu(x), x=-0.5); e.set(x=0.5)
    >>> e.predicted_change, e.actual_change
    (0.0, 0.5)
    """
    return Explorer(f, inputs)


def _number(name: str, value: Any) -> float:
    """``value`` as a float, or a clear error naming the input."""
    array = np.asarray(value.data if isinstance(value, Tensor) else value)
    if array.size != 1 or array.dtype.kind not in "fiu":
        raise ArgumentError(f"explore() input {name}={value!r} is not one number; fix: give "
                            "each input as a number, e.g. x=3.0 (fix an array input inside f, "
                            "e.g. with functools.partial)")
    return float(array.reshape(()))


_TEXT = re.compile(r"(<text\b[^>]*>)(.*?)(</text>)", re.S)
_GROUP = re.compile(r'<g id="([^"]+)" class="(?:node|edge|cluster)">(.*?)</g>\n(?=<!--|</g>)',
                    re.S)


def _keep_positions(first: str, new: str) -> str:
    """``first``'s layout with ``new``'s texts: the same boxes and arrows, new numbers.

    Drawings of one function at other inputs differ only in their numbers, and numbers of
    another width would move the nodes if laid out again. Where the two differ in more
    than their texts (a note appears), the new layout is kept.
    """
    if not first or not new:
        return new
    new_texts = {m.group(1): [t.group(2) for t in _TEXT.finditer(m.group(2))]
                 for m in _GROUP.finditer(new)}
    first_groups = list(_GROUP.finditer(first))
    if len(first_groups) != len(new_texts):
        return new
    pieces, at = [], 0
    for m in first_groups:
        texts = new_texts.get(m.group(1))
        old = list(_TEXT.finditer(m.group(2)))
        if texts is None or len(texts) != len(old):
            return new
        body = "".join(_interleave(_TEXT.split(m.group(2)), texts))
        pieces.append(first[at:m.start(2)] + body)
        at = m.end(2)
    pieces.append(first[at:])
    return "".join(pieces)


def _interleave(pieces: list[str], texts: list[str]) -> list[str]:
    """``_TEXT.split`` output (text, open tag, old text, close tag, ...) with new texts."""
    out = list(pieces)
    for k, text in enumerate(texts):
        out[4 * k + 2] = text
    return out
