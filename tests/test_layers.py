"""The layers: everything downstream of the Trace reads the Trace, never a tensor's internals."""

import re
from pathlib import Path

import vizgrad

DRAWING = Path(vizgrad.__file__).parent / "drawing"
JS = Path(__file__).resolve().parents[1] / "js"
# the modules that turn tensors into a Trace; every other drawing module reads the Trace only
RECORDERS = {"record.py", "api.py"}
INTERNALS = re.compile(r"\._(op|inputs|saved|id|scope|pass|data|params|grad|grad_shared)\b")
CORE_IMPORT = re.compile(r"^(from|import) (\.\.core|vizgrad\.core)", re.M)


def downstream_modules() -> list[Path]:
    return sorted(p for p in DRAWING.glob("*.py") if p.name not in RECORDERS)


def test_the_drawing_has_the_modules_the_architecture_names():
    names = {p.name for p in DRAWING.glob("*.py")}
    assert {"trace.py", "record.py", "build.py", "group.py", "narrate.py", "format.py",
            "palette.py", "dot.py", "render.py", "graph.py"} <= names


def test_no_module_downstream_of_the_trace_reads_tensor_internals():
    offenders = []
    for path in downstream_modules():
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), start=1):
            if INTERNALS.search(line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
        if CORE_IMPORT.search(text):
            offenders.append(f"{path.name}: imports the autodiff core")
    assert offenders == []


def test_the_check_would_catch_a_module_that_reads_internals():
    # the pattern above is what keeps the seam: make sure it matches what it must
    assert INTERNALS.search("for x in t._inputs:") and INTERNALS.search("y._pass.steps")
    assert not INTERNALS.search("trace.tensors[i].inputs")
    assert CORE_IMPORT.search("from ..core.tensor import Tensor")


def palette_colours() -> set[str]:
    palette = (DRAWING / "palette.py").read_text(encoding="utf-8")
    colours = {c.lower() for c in re.findall(r'"(#[0-9a-fA-F]{6})"', palette)}
    assert {"#1f5fbf", "#d1451b", "#ffe08a"} <= colours
    return colours


def spelled_colours(path: Path, colours: set[str]) -> set[str]:
    text = path.read_text(encoding="utf-8")
    return colours & {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}", text)}


def test_only_the_palette_spells_the_drawing_colours():
    colours = palette_colours()
    for path in downstream_modules():
        if path.name == "palette.py":
            continue
        spelled = spelled_colours(path, colours)
        assert not spelled, f"{path.name} spells {spelled}: read them from the palette"


def test_the_widget_takes_its_colours_from_the_graph():
    # js/*.js is the widget's source; its tests and the built bundle are left out
    sources = sorted(JS.glob("*.js"))
    assert {"drawing.js", "styles.js", "view.js"} <= {p.name for p in sources}
    colours = palette_colours()
    offenders = {p.name: spelled for p in sources if (spelled := spelled_colours(p, colours))}
    assert offenders == {}, f"{offenders}: take them from graph.colors"
