"""What a reader of a saved notebook or an exported page gets, with no kernel running.

The widget is followed by a picture of the step shown (``image/svg+xml``) that
stays current; a notebook saved with widget state stays light; one HTML page
holds the whole interactive drawing; the package installs where Graphviz cannot.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import threading
from pathlib import Path

import pytest

import vizgrad as vg
from vizgrad.drawing import render
from vizgrad.drawing.palette import COLORS
from vizgrad.frontends import widget as widget_module
from vizgrad.frontends.cli import main
from vizgrad.frontends.html import MAX_STORED_SCOPES, page_data
from vizgrad.frontends.widget import BUNDLE, PICTURE_MARK, GraphWidget

ROOT = Path(__file__).resolve().parents[1]
VIEW = "application/vnd.jupyter.widget-view+json"
SVG = "image/svg+xml"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"


def worked_example() -> vg.Tensor:
    x = vg.Variable(3.0, name="x")
    y = vg.Variable(4.0, name="y")
    return x * x * y + y + 2


def scoped(count: int) -> vg.Tensor:
    x = vg.Variable(0.5, name="x")
    out = x
    for i in range(count):
        with vg.scope(f"layer{i}"):
            out = vg.tanh(out * 2.0)
    return out


def displayed(widget: GraphWidget) -> list[dict]:
    """What ``display(widget)`` sends to the notebook, in order."""
    from IPython.core.interactiveshell import InteractiveShell
    from IPython.display import display
    from IPython.utils.capture import capture_output

    InteractiveShell.instance()
    with capture_output() as captured:
        display(widget)
    return [{"data": o.data, "transient": o.transient, "update": o.update}
            for o in captured.outputs]


# ---- the picture beside the widget ---------------------------------------------------------

def test_the_widget_is_followed_by_a_picture_of_the_step_shown():
    widget = vg.show(worked_example(), step=4)
    view, picture = displayed(widget)
    assert view["data"][VIEW]["model_id"] == widget.model_id
    assert view["data"]["text/plain"] == "vizgrad graph of f, step 4/4 (an interactive widget)"
    assert picture["data"]["text/plain"] == WHOLE_PASS
    svg = picture["data"][SVG]
    assert "∂f/∂x = 24" in svg and "∂f/∂y = 10" in svg
    # the mark that lets the live view hide it, on the root element
    assert re.search(rf"<svg {PICTURE_MARK}=\"\"", svg)
    assert picture["transient"]["display_id"]


def test_the_picture_shows_every_gradient_until_the_widget_is_left_on_another_step():
    from IPython.utils.capture import capture_output

    widget = vg.show(worked_example())  # opens on step 0, the forward pass
    first = displayed(widget)[1]
    # a notebook saved without stepping: the reader still sees the gradients, and no
    # op marked current, since every op has run
    assert first["data"]["text/plain"] == WHOLE_PASS
    assert "∂f/∂x = 24" in first["data"][SVG] and COLORS["current"] not in first["data"][SVG]
    assert 'aria-label="vizgrad graph of f, step 4/4: the whole backward pass' in first["data"][SVG]
    with capture_output() as captured:
        widget.step = 2
    (update,) = captured.outputs
    assert update.update and update.transient == first["transient"]
    assert update.data["text/plain"] == "vizgrad graph of f, step 2/4"
    assert "∂f/∂x = 24" not in update.data[SVG]  # x's gradient arrives at step 4


def test_a_step_from_the_view_updates_the_picture_too(monkeypatch):
    from IPython.utils.capture import capture_output

    monkeypatch.setattr(widget_module, "_running_loop", lambda: None)  # no kernel loop
    widget = vg.show(worked_example())
    displayed(widget)
    with capture_output() as captured:
        widget.set_state({"step": 3})  # what a click in the browser sends
    assert [o.data["text/plain"] for o in captured.outputs] == ["vizgrad graph of f, step 3/4"]


def test_a_burst_of_clicks_redraws_the_picture_once_after_the_last():
    from IPython.utils.capture import capture_output

    widget = vg.show(worked_example())
    displayed(widget)

    async def click_through() -> list:
        with capture_output() as captured:
            for step in (1, 2, 3):
                widget.set_state({"step": step})
            assert captured.outputs == []  # nothing drawn while the clicks come
            while widget._picture_timer is not None:  # the kernel's loop runs the redraw
                await asyncio.sleep(0.05)
        return captured.outputs

    # a thread of its own: a loop of its own, as a kernel has (this one may hold another)
    outputs = []
    runner = threading.Thread(target=lambda: outputs.extend(asyncio.run(click_through())))
    runner.start()
    runner.join()
    assert [o.data["text/plain"] for o in outputs] == ["vizgrad graph of f, step 3/4"]


def test_a_collapsed_group_is_drawn_collapsed_in_the_picture():
    from IPython.utils.capture import capture_output

    widget = vg.show(scoped(2))
    displayed(widget)
    with capture_output() as captured:
        widget.collapsed = ["layer0"]
    assert "click to expand" in captured.outputs[-1].data[SVG]


def test_a_widget_never_displayed_sends_no_picture():
    from IPython.utils.capture import capture_output

    widget = vg.show(worked_example())
    with capture_output() as captured:
        widget.step = 2
    assert captured.outputs == []


def test_mime_bundles_respect_include_and_exclude(monkeypatch):
    widget = vg.show(worked_example())
    data, _ = widget._repr_mimebundle_(include=["text/plain"])
    assert list(data) == ["text/plain"]
    data, _ = widget._repr_mimebundle_(exclude=["text/plain"])
    assert list(data) == [VIEW]

    def no_layout(*args, **kwargs):
        raise AssertionError("a text-only request ran Graphviz")

    monkeypatch.setattr(render, "render_svg", no_layout)
    assert widget.picture_bundle(include=["text/plain"]) == {"text/plain": WHOLE_PASS}
    assert widget.picture_bundle(exclude=[SVG, "text/plain"]) == {}


# ---- without Graphviz in the kernel (Pyodide, JupyterLite) ----------------------------------

@pytest.fixture
def no_graphviz(monkeypatch):
    def missing(engine=None):
        raise vg.RenderError("the Graphviz engine 'graphviz-pure' was not found")

    monkeypatch.setattr(render, "find_engine", missing)
    widget_module.kernel_can_lay_out.cache_clear()
    yield
    widget_module.kernel_can_lay_out.cache_clear()


def test_without_graphviz_the_browser_lays_out(no_graphviz):
    widget = vg.show(worked_example())
    state = widget.get_state()
    assert state["svg"] == ""
    if BUNDLE.exists():
        assert state["_esm"] == BUNDLE.read_text(encoding="utf-8")
    # no picture to add: the widget alone
    assert [sorted(o["data"]) for o in displayed(widget)] == [[VIEW, "text/plain"]]


def test_in_pyodide_the_export_error_says_what_works(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "platform", "emscripten")
    with pytest.raises(vg.RenderError, match="vg.show.*download button"):
        vg.export_svg(worked_example(), tmp_path / "never.svg")


def test_graphviz_pure_is_not_required_in_pyodide():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert "\"graphviz-pure>=0.2.2; sys_platform != 'emscripten'\"" in text
    assert (ROOT / "vizgrad" / "py.typed").exists()


# ---- one HTML page --------------------------------------------------------------------------

def stored(path: Path) -> dict:
    match = re.search(r'<script type="application/json" id="vizgrad-data">(.*?)</script>',
                      path.read_text(encoding="utf-8"), re.S)
    return json.loads(match.group(1))


def test_export_html_writes_one_page_with_everything_inline(tmp_path):
    path = vg.export_html(worked_example(), tmp_path / "f.html")
    text = path.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["']?(https?:|//)""", text), "the page fetches something"
    assert text.count("<script") == 2  # its data and its script, nothing loaded
    data = stored(path)
    assert data["step"] == 0
    (drawing,) = data["drawings"].values()
    assert drawing["graph"]["target_name"] == "f"
    assert "∂f/∂x = 24" in drawing["svg"]
    # readers with scripts off get the picture
    assert "<noscript><svg" in text


def test_the_page_stores_every_choice_of_collapsed_groups(tmp_path):
    g = vg.graph(scoped(2))
    data = page_data(g)
    assert data["expandable"]
    assert set(data["drawings"]) == {"", "layer0", "layer1", "layer0\nlayer1"}
    assert "click to expand" in data["drawings"]["layer0"]["svg"]
    assert "click to expand" not in data["drawings"][""]["svg"]


def test_with_many_groups_the_page_keeps_only_its_own_drawing():
    g = vg.graph(scoped(MAX_STORED_SCOPES + 1))
    data = page_data(g, collapsed=["layer1"])
    assert not data["expandable"]
    assert list(data["drawings"]) == ["layer1"]


def test_save_html_opens_on_the_step_and_groups_shown(tmp_path):
    widget = vg.show(scoped(2))
    widget.collapsed = ["layer1"]
    widget.step = 2
    data = stored(widget.save_html(tmp_path / "w.html"))
    assert (data["step"], data["collapsed"]) == (2, ["layer1"])


def test_a_script_end_tag_in_a_name_cannot_break_the_page(tmp_path):
    x = vg.Variable(1.0, name="</script><b>x")
    path = vg.export_html(x * x, tmp_path / "x.html")
    (drawing,) = stored(path)["drawings"].values()
    assert drawing["graph"]["nodes"][0]["label"] == "</script><b>x"


def test_cli_writes_html_when_the_output_ends_in_html(tmp_path, capsys):
    script = tmp_path / "model.py"
    script.write_text("import vizgrad as vg\nx = vg.Variable(3.0)\nf = x * x\n",
                      encoding="utf-8")
    out = tmp_path / "site" / "f.html"
    assert main(["export", str(script), "--target", "f", "-o", str(out)]) == 0
    assert capsys.readouterr().out.strip() == f"wrote {out}"
    data = stored(out)
    (drawing,) = data["drawings"].values()
    assert data["step"] == 0 and drawing["graph"]["last_step"] == 1  # one op: one backward step
    assert len(data["steps"]) == 2


# ---- a notebook executed with its widget state stored ---------------------------------------

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

WHOLE_PASS = "vizgrad graph of f, step 4/4: the whole backward pass; ∂f/∂x = 24, ∂f/∂y = 10"

THREE_WIDGETS = [
    "import vizgrad as vg\n%load_ext vizgrad",
    "%%vizgrad\nx = vg.Variable(3.0)\ny = vg.Variable(4.0)\nf = x*x*y + y + 2",
    "w = vg.show(f, step=2)\nw",
    "w.step = 4",
    "net = vg.nn.MLP(3, [4, 4, 1])\nloss = vg.reduce_sum(net(vg.tensor([[1.0, 2.0, 3.0]])))\n"
    "vg.show(loss, step=None)",
]


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Path:
    """THREE_WIDGETS run by nbclient with widget state stored, as a teacher would save it."""

    folder = tmp_path_factory.mktemp("executed")
    jupyter_path = folder / "jupyter" / "kernels" / "python3"
    jupyter_path.mkdir(parents=True)
    python_path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p)
    (jupyter_path / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3", "language": "python", "env": {"PYTHONPATH": python_path},
    }), encoding="utf-8")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in THREE_WIDGETS],
                                  metadata={"kernelspec": {"name": "python3",
                                                           "display_name": "Python 3",
                                                           "language": "python"}})
    previous = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = str(folder / "jupyter")
    try:
        nbclient.NotebookClient(nb, kernel_name="python3", store_widget_state=True,
                                timeout=120).execute()
    finally:
        if previous is None:
            os.environ.pop("JUPYTER_PATH")
        else:
            os.environ["JUPYTER_PATH"] = previous
    path = folder / "three_widgets.ipynb"
    nbformat.write(nb, path)
    return path


def pictures(nb) -> list[str]:
    return [o["data"][SVG] for cell in nb.cells for o in cell.get("outputs", [])
            if SVG in o.get("data", {})]


def test_every_saved_widget_is_followed_by_its_picture(executed):
    nb = nbformat.read(executed, as_version=4)
    for cell in nb.cells:
        outputs = cell.get("outputs", [])
        for i, output in enumerate(outputs):
            if VIEW in output.get("data", {}):
                assert SVG in outputs[i + 1]["data"], cell.source
    # the picture of `w` was updated by the later cell: it shows step 4, as the widget does
    picture = nb.cells[2].outputs[1]["data"]
    assert picture["text/plain"] == WHOLE_PASS
    assert "∂f/∂x = 24" in picture[SVG] and "∂f/∂y = 10" in picture[SVG]
    # the widget nobody stepped: its picture shows every gradient, as a reader wants
    first = nb.cells[1].outputs[1]["data"]
    assert first["text/plain"] == WHOLE_PASS
    assert "∂f/∂x = 24" in first[SVG]


def test_three_saved_widgets_weigh_at_most_300_kb_beyond_their_pictures(executed):
    nb = nbformat.read(executed, as_version=4)
    state = nb.metadata["widgets"][WIDGET_STATE]["state"]
    assert sum("graph" in model["state"] for model in state.values()) == 3
    # a top-to-bottom layout is kept only where it shows the graph larger: the flat MLP
    # strip, not the worked example; it weighs what a second picture does
    drawn = [model["state"] for model in state.values() if "graph" in model["state"]]
    assert sorted(m["graph"]["target_name"] for m in drawn if m.get("svg_tb")) == ["loss"]
    turned = [m.get("svg_tb", "") for m in drawn]
    extra = sum(len(svg.encode("utf-8")) for svg in [*pictures(nb), *turned])
    cost = executed.stat().st_size - extra
    # SPEC: a saved widget costs at most 100 KB beyond its picture
    assert cost <= 300_000, f"{cost / 1e3:.0f} KB beyond the pictures"


def test_a_graph_too_big_to_draw_open_keeps_only_its_own_drawing():
    x = vg.Variable(0.5, name="x")
    y = x
    for _ in range(200):
        y = vg.sin(y) * 0.9
    g = vg.graph(y)
    assert g.default_collapsed(), "this graph is drawn collapsed by default"
    data = page_data(g)
    assert not data["expandable"] and len(data["drawings"]) == 1
