"""The DOT text: exact for a small graph, safe for any name, readable for big values."""

import html
import re

import numpy as np
import pytest

import vizgrad as vg
from vizgrad.drawing.dot import align_columns, escape

# pieces every label repeats, spelled once so the expected drawings below stay readable
TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
BLUE, ORANGE, HIDDEN = "#1f5fbf", "#d1451b", "transparent"
HEADER = """\
digraph vizgrad {
  graph [newrank=true rankdir=LR nodesep=0.25 ranksep=0.25 fontname="Helvetica" bgcolor="white"];
  node [fontname="Helvetica" fontsize=11 height=0.3];
  edge [fontname="Helvetica" fontsize=10 color="#555555" arrowsize=0.7];
"""


def op(node: str, symbol: str, label: str, extra: str = "") -> str:
    """An op's line: its symbol big, its name small (no values on op nodes)."""
    return (f'  {node} [id="{node}" label=<{TABLE}'
            f'<TR><TD><FONT POINT-SIZE="16">{symbol}</FONT></TD></TR>'
            f'<TR><TD><FONT COLOR="#5f6368" POINT-SIZE="9">{label}</FONT></TD></TR>'
            f'</TABLE>> shape="ellipse" margin="0.02"{extra}]\n')


def edge(source: str, target: str, edge_id: str, value: str | None, grad: str | None = None,
         grad_color: str = HIDDEN, of: str = "") -> str:
    """An edge's line: an op's value, and the gradient named by what it is of (``of``:
    '∂f/∂mul1 = ', or '∂f/∂x += ' for one of a leaf's several uses)."""
    rows = "" if value is None else f'<TR><TD><FONT COLOR="{BLUE}">{value}</FONT></TD></TR>'
    if grad is not None:
        rows += f'<TR><TD><FONT COLOR="{grad_color}">{of}{grad}</FONT></TD></TR>'
    label = f" label=<{TABLE}{rows}</TABLE>>" if rows else ""
    return f'  {source} -> {target} [id="{edge_id}"{label}];\n'


def worked_example() -> vg.Graph:
    """f = x*x*y + y + 2 at x=3, y=4, after f.backward()."""
    x, y = vg.Variable(3.0), vg.Variable(4.0)
    f = x * x * y + y + 2
    f.backward()
    return vg.graph(f, names={"x": x, "y": y, "f": f})


# Step 0: the forward pass. Every value is blue; every gradient is already in the
# text (so the layout never changes) but transparent.
STEP_0 = (
    HEADER
    + f'  n0 [id="n0" label=<{TABLE}<TR><TD><B>x</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">3</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{HIDDEN}">∂f/∂x = 24</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + f'  n1 [id="n1" label=<{TABLE}<TR><TD><B>y</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">4</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{HIDDEN}">∂f/∂y = 10</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + op("n2", "×", "mul1")                       # x * x
    + op("n3", "×", "mul2")                       # (x * x) * y
    + op("n4", "+", "add1")                       # ... + y
    + f'  n5 [id="n5" label=<{TABLE}<TR><TD><B>2</B></TD></TR></TABLE>> '
    'shape="box" style="rounded,dotted"]\n'      # a constant: dotted, no gradient row
    + op("n6", "+", "add2")                       # ... + 2, the op that makes f
    + f'  n7 [id="n7" label=<{TABLE}<TR><TD><B>f</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">42</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{HIDDEN}">∂f/∂f = 1</FONT></TD></TR></TABLE>> '
    'shape="box" peripheries="2" style="rounded"]\n'   # the output box
    # x feeds mul1 twice: 4 · 3 each time
    + edge("n0", "n2", "e0", None, "12", HIDDEN, of="∂f/∂x += ")
    + edge("n0", "n2", "e1", None, "12", HIDDEN, of="∂f/∂x += ")
    + edge("n2", "n3", "e2", "9", "4", HIDDEN, of="∂f/∂mul1 = ")            # ∂mul2/∂mul1 = y = 4
    + edge("n1", "n3", "e3", None, "9", HIDDEN, of="∂f/∂y += ")            # ∂mul2/∂y = x*x = 9
    + edge("n3", "n4", "e4", "36", "1", HIDDEN, of="∂f/∂mul2 = ")
    # y's second use: 9 + 1 = 10
    + edge("n1", "n4", "e5", None, "1", HIDDEN, of="∂f/∂y += ")
    + edge("n4", "n6", "e6", "40", "1", HIDDEN, of="∂f/∂add1 = ")
    + edge("n5", "n6", "e7", None)                 # no gradient flows into a constant
    + edge("n6", "n7", "e8", None)
    + "}\n"
)

# Step 1: backpropagation through the last op (n6, filled): the seed ∂f/∂f = 1 and
# the gradient into add1 are now orange; nothing else has arrived.
STEP_1 = (
    HEADER
    + f'  n0 [id="n0" label=<{TABLE}<TR><TD><B>x</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">3</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{HIDDEN}">∂f/∂x = 24</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + f'  n1 [id="n1" label=<{TABLE}<TR><TD><B>y</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">4</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{HIDDEN}">∂f/∂y = 10</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + op("n2", "×", "mul1")
    + op("n3", "×", "mul2")
    + op("n4", "+", "add1")
    + f'  n5 [id="n5" label=<{TABLE}<TR><TD><B>2</B></TD></TR></TABLE>> '
    'shape="box" style="rounded,dotted"]\n'
    + op("n6", "+", "add2", ' fillcolor="#ffe08a" style="filled"')
    + f'  n7 [id="n7" label=<{TABLE}<TR><TD><B>f</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">42</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{ORANGE}">∂f/∂f = 1</FONT></TD></TR></TABLE>> '
    'shape="box" peripheries="2" style="rounded"]\n'
    + edge("n0", "n2", "e0", None, "12", HIDDEN, of="∂f/∂x += ")
    + edge("n0", "n2", "e1", None, "12", HIDDEN, of="∂f/∂x += ")
    + edge("n2", "n3", "e2", "9", "4", HIDDEN, of="∂f/∂mul1 = ")
    + edge("n1", "n3", "e3", None, "9", HIDDEN, of="∂f/∂y += ")
    + edge("n3", "n4", "e4", "36", "1", HIDDEN, of="∂f/∂mul2 = ")
    + edge("n1", "n4", "e5", None, "1", HIDDEN, of="∂f/∂y += ")
    + edge("n4", "n6", "e6", "40", "1", ORANGE, of="∂f/∂add1 = ")
    + edge("n5", "n6", "e7", None)
    + edge("n6", "n7", "e8", None)
    + "}\n"
)

# The last step (4, through mul1, filled): every gradient shown, ∂f/∂x = 24, ∂f/∂y = 10.
STEP_LAST = (
    HEADER
    + f'  n0 [id="n0" label=<{TABLE}<TR><TD><B>x</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">3</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{ORANGE}">∂f/∂x = 24</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + f'  n1 [id="n1" label=<{TABLE}<TR><TD><B>y</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">4</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{ORANGE}">∂f/∂y = 10</FONT></TD></TR></TABLE>> '
    'shape="box" style="rounded"]\n'
    + op("n2", "×", "mul1", ' fillcolor="#ffe08a" style="filled"')
    + op("n3", "×", "mul2")
    + op("n4", "+", "add1")
    + f'  n5 [id="n5" label=<{TABLE}<TR><TD><B>2</B></TD></TR></TABLE>> '
    'shape="box" style="rounded,dotted"]\n'
    + op("n6", "+", "add2")
    + f'  n7 [id="n7" label=<{TABLE}<TR><TD><B>f</B></TD></TR>'
    f'<TR><TD><FONT COLOR="{BLUE}">42</FONT></TD></TR>'
    f'<TR><TD><FONT COLOR="{ORANGE}">∂f/∂f = 1</FONT></TD></TR></TABLE>> '
    'shape="box" peripheries="2" style="rounded"]\n'
    + edge("n0", "n2", "e0", None, "12", ORANGE, of="∂f/∂x += ")
    + edge("n0", "n2", "e1", None, "12", ORANGE, of="∂f/∂x += ")
    + edge("n2", "n3", "e2", "9", "4", ORANGE, of="∂f/∂mul1 = ")
    + edge("n1", "n3", "e3", None, "9", ORANGE, of="∂f/∂y += ")
    + edge("n3", "n4", "e4", "36", "1", ORANGE, of="∂f/∂mul2 = ")
    + edge("n1", "n4", "e5", None, "1", ORANGE, of="∂f/∂y += ")
    + edge("n4", "n6", "e6", "40", "1", ORANGE, of="∂f/∂add1 = ")
    + edge("n5", "n6", "e7", None)
    + edge("n6", "n7", "e8", None)
    + "}\n"
)


def test_worked_example_step_0_is_the_forward_pass_with_gradients_hidden():
    assert worked_example().to_dot(0) == STEP_0


def test_worked_example_step_1_shows_the_seed_and_the_first_op():
    assert worked_example().to_dot(1) == STEP_1


def test_worked_example_last_step_shows_every_gradient():
    drawing = worked_example()
    assert drawing.last_step == 4
    assert drawing.to_dot() == STEP_LAST
    assert drawing.to_dot(drawing.last_step) == STEP_LAST
    assert drawing.to_dot(-1) == STEP_LAST


def test_without_highlight_no_op_is_filled():
    # the widget lays out with this, so the current op's fill never moves anything
    assert "filled" not in worked_example().to_dot(1, highlight=False)


# -- names, values and labels cannot inject anything ---------------------------------
INJECTIONS = ['"]; evil [label="x', "<script>alert(1)</script>", "&amp;", "a}\n}digraph{b"]


@pytest.mark.parametrize("name", INJECTIONS)
def test_a_name_is_escaped_everywhere_it_is_written(name):
    x = vg.Variable(2.0, name=name)
    y = x * x
    with vg.scope(name):
        z = y + 1
    drawing = vg.graph(z)
    dot = drawing.to_dot(collapse=[])
    # the name is written as text: in its node, in its gradient, in the cluster title
    assert f"<B>{escape(name)}</B>" in dot
    assert f"∂f/∂{escape(name)} = 4" in dot
    title = escape(name.split("/")[0])                  # "/" nests scopes, as in TensorFlow
    assert f'<FONT COLOR="#5f6368" POINT-SIZE="10">{title}</FONT>' in dot
    assert html.unescape(escape(name).replace("<BR/>", "\n")) == name
    for character in '"<>':
        if character in name:
            assert name not in dot
    # and the statements are exactly the graph's: one per node and per edge
    assert len(re.findall(r"^ +n\d+ \[id=", dot, re.M)) == len(drawing.nodes)
    assert len(re.findall(r"^ +n\d+ -> n\d+ \[id=", dot, re.M)) == len(drawing.edges)
    collapsed = drawing.to_dot(collapse=["s0"])
    assert f"<B>{title}</B>" in collapsed               # the collapsed box's title


def test_escape_turns_markup_and_control_characters_into_text():
    assert escape("<b>&</b>") == "&lt;b&gt;&amp;&lt;/b&gt;"
    assert escape("a\nb") == "a<BR/>b"
    assert escape("tab\there\x00") == "tab\\there\\x00"
    assert escape("  indented") == "&#160;&#160;indented"


# -- big and odd values ------------------------------------------------------------
def test_a_100_by_100_tensor_is_drawn_as_shape_and_summary():
    big = vg.Variable(np.arange(10_000.0).reshape(100, 100), name="big")
    loss = vg.sum(big * 2)
    dot = vg.graph(loss).to_dot()
    assert "shape (100, 100)" in dot
    assert "(100, 100) mean 5000 [0, 9999]" in dot      # its value, 4 significant digits
    assert "∂f/∂big = (100, 100) all 2" in dot          # its gradient
    assert "9998" not in dot and len(dot) < 5_000


def test_matrix_rows_are_drawn_as_lines_with_columns_aligned():
    w = vg.Variable([[1.0, 2.3], [-4.5, 6.0]], name="w")
    y = vg.sum(w * 2)
    dot = vg.graph(y).to_dot()
    # one line per row, left-aligned, numbers padded to the same width in Helvetica
    assert ('<TD BALIGN="LEFT"><FONT COLOR="#1f5fbf">[[ &#160;&#160;&#160;1, 2.3],'
            '<BR/>&#160;[-4.5, &#160;&#160;&#160;6]]</FONT></TD>') in dot
    # a gradient that is a matrix: its name above its rows, so the box stays narrow
    assert ('<TR><TD><FONT COLOR="#d1451b">∂f/∂w =</FONT></TD></TR>'
            '<TR><TD BALIGN="LEFT"><FONT COLOR="#d1451b">[[2, 2],<BR/>&#160;[2, 2]]'
            '</FONT></TD></TR>') in dot


def test_align_columns_pads_each_column_to_its_widest_entry():
    # a digit is as wide as two spaces in Helvetica
    assert align_columns("[[10, 2],\n [3, 40]]") == "[[10,   2],\n [  3, 40]]"
    # a 3-d value keeps its blank separator line and bracket indentation
    text = "[[[1, 2],\n  [3, 4]],\n\n [[5, 6],\n  [7, 8]]]"
    assert align_columns(text) == text


# -- scopes and large graphs ----------------------------------------------------------
def layered() -> tuple[vg.Tensor, vg.Graph]:
    x = vg.Variable([1.0, -2.0], name="x")
    with vg.scope("layer1"):
        h = vg.tanh(x * 3.0 + 1.0)
    with vg.scope("layer2"):
        out = vg.sum(h * h)
    return out, vg.graph(out)


def test_a_scope_is_drawn_as_a_cluster_with_its_name():
    _, drawing = layered()
    dot = drawing.to_dot()
    assert [s.name for s in drawing.scopes] == ["layer1", "layer2"]
    assert 'subgraph cluster_s0 {\n    id="s0"' in dot
    assert "layer1</FONT>" in dot and "layer2</FONT>" in dot


def test_a_collapsed_scope_is_one_box_and_edges_into_it_stay():
    _, drawing = layered()
    inside = [n.id for n in drawing.nodes if n.scope == "s0"]
    dot = drawing.to_dot(collapse=["s0"])
    assert "cluster_s0" not in dot and "cluster_s1" in dot
    assert 's0 [id="s0" shape=box3d' in dot
    assert "layer1</B>" in dot and f"{len(inside)} nodes · click to expand" in dot
    for node_id in inside:
        assert f"  {node_id} [" not in dot and f"{node_id} -> " not in dot
    x = drawing.find("x")
    assert x.scope == "s0"                        # used only inside layer1: drawn in it
    assert "s0 -> " in dot                        # tanh's output flows on into layer2


def test_an_edge_from_outside_into_a_collapsed_scope_stays():
    x = vg.Variable(2.0, name="x")
    with vg.scope("inner"):
        h = vg.exp(x)
    y = h * x                                     # x feeds both the scope and y
    drawing = vg.graph(y)
    dot = drawing.to_dot(collapse=["s0"])
    assert f"{drawing.find('x').id} -> s0 " in dot


def test_a_20000_op_chain_starts_collapsed_and_says_so(long_chain):
    drawing = long_chain
    assert all(s.collapsed for s in drawing.scopes) and len(drawing.scopes) <= 41
    assert drawing.note.startswith("Large graph: 20,002 nodes")
    dot = drawing.to_dot()
    assert "Large graph: 20,002 nodes" in dot and "drawn collapsed" in dot
    assert dot.count("shape=box3d") == len(drawing.scopes)
    assert len(dot) < 100_000


def test_edges_bundled_by_a_collapsed_box_say_how_many_tensors_they_carry():
    x = vg.Variable([1.0, 2.0], name="x")
    with vg.scope("inner"):
        h = vg.tanh(x)
        g = vg.exp(x)
    once = vg.sum(h * g)                           # two tensors leave the box
    twice = vg.sum(h * h)                          # one tensor, used twice
    assert "2 tensors</FONT>" in vg.graph(once).to_dot(collapse=["s0"])
    assert "2 edges from 1 tensor</FONT>" in vg.graph(twice).to_dot(collapse=["s0"])


def test_nan_stays_marked_while_its_op_is_the_current_step():
    x = vg.Variable(-1.0, name="x")
    with np.errstate(invalid="ignore"):
        y = vg.log(x) + 1
    drawing = vg.graph(y)
    log = drawing.find("log1")
    current = next(s.index for s in drawing.steps if s.node == log.id)
    before, during = drawing.to_dot(0), drawing.to_dot(current)
    line = next(li for li in before.splitlines() if li.startswith(f"  {log.id} ["))
    assert 'fillcolor="#ffd0d0"' in line and 'color="#b03a2e" penwidth="2"' in line
    line = next(li for li in during.splitlines() if li.startswith(f"  {log.id} ["))
    assert 'fillcolor="#ffe08a"' in line and 'color="#b03a2e" penwidth="2"' in line
    assert "NaN/inf appears here" in line
