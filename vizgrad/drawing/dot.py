"""Building Graphviz DOT text from a Graph: pure functions, no engine runs here.

Every label is an HTML-like label whose text is escaped, so no name or value can
inject DOT, HTML or script. A gradient that has not arrived yet at the drawn
step keeps its text but is drawn transparent: every step has the same layout,
so nodes never move between steps.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from . import narrate
from .palette import COLORS

if TYPE_CHECKING:  # pragma: no cover - the Graph is read, never imported at run time
    from .graph import Edge, Graph, Node, Scope

# One font name Graphviz has metrics for: with a list ("Helvetica,Arial,sans-serif")
# it falls back to Times widths and text spills out of its boxes. The SVG still
# says "Helvetica,sans-Serif", which every browser can honour.
FONT = "Helvetica"
TRANSPARENT = "transparent"
DIM = COLORS["dim"]
RANKDIRS = ("LR", "TB")
_SPACES = re.compile(r"  +")  # kept as written: the padding that aligns matrix columns
_PLAIN = re.compile(r"(?! )(?:[^&<>\"'\\\x00-\x1f\x7f ]| (?! ))*")
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f]")
_BARE_TABLE = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="0">'
_MATRIX_ROW = re.compile(r"^ *(\[+)(.*?)(\]+,?)$")
# advance widths in Helvetica (and Arial, Liberation Sans, Nimbus Sans), in spaces
_WIDTHS = {**dict.fromkeys("0123456789", 2.0), ".": 1.0, ",": 1.0, "-": 1.2, "+": 2.1,
           "e": 2.0, "E": 2.4, "n": 2.0, "a": 2.0, "i": 0.8, "f": 1.0, "N": 2.6, "T": 2.2,
           "r": 1.2, "u": 2.0, "F": 2.2, "l": 0.8, "s": 1.8, "j": 0.8, " ": 1.0}


def escape(text: str) -> str:
    """Text made safe for an HTML-like label; newlines become line breaks.

    A backslash is doubled: Graphviz expands escapes such as \\G (the graph's name) and
    \\l (a line break) even inside HTML-like labels, and \\\\ shows one backslash.

    >>> escape('"]; evil [label="x <script>')
    '&quot;]; evil [label=&quot;x &lt;script&gt;'
    >>> backslash = chr(92); escape(f"{backslash}Gamma") == 2 * backslash + "Gamma"
    True
    """
    text = str(text)
    if _PLAIN.fullmatch(text):  # most labels are plain numbers and names
        return text
    text = text.replace("\\", "\\\\")
    # a control character is shown as its escape; \r would be Graphviz's line break
    text = _CONTROL.sub(lambda m: repr(m.group())[1:-1].replace("\\r", "\\\\r"), text)
    lines = []
    for line in text.split("\n"):
        body = line.lstrip(" ")
        indent = "&#160;" * (len(line) - len(body))
        lines.append(indent + _SPACES.sub(lambda m: " " + "&#160;" * (len(m.group()) - 1),
                                          html.escape(body, quote=True)))
    return "<BR/>".join(lines)


def font(text: str, color: str | None = None, size: float | None = None,
         bold: bool = False) -> str:
    """One run of text in an HTML-like label."""
    body = escape(text)
    if bold:
        body = f"<B>{body}</B>"
    attrs = ""
    if color:
        attrs += f' COLOR="{color}"'
    if size:
        attrs += f' POINT-SIZE="{size:g}"'
    return f"<FONT{attrs}>{body}</FONT>" if attrs else body


def align_columns(text: str) -> str:
    """A multi-line numpy-style value with each column right-aligned, padded with spaces.

    Widths are Helvetica's (the drawing's font), counted in spaces: a digit is two,
    a '.' one; a space is as wide as '[', so nested rows keep their brackets aligned.
    (In a fixed-width font the result looks ragged; in the drawing it lines up.)

    >>> align_columns("[[1, 2.3],\\n [-4.5, 6]]")
    '[[    1, 2.3],\\n [-4.5,    6]]'
    """
    rows = []
    for line in text.split("\n"):
        match = _MATRIX_ROW.match(line)
        rows.append(None if match is None else
                    (line[:match.start(1)] + match.group(1), match.group(2).split(", "),
                     match.group(3)))
    widths: list[float] = []
    for row in rows:
        for column, entry in enumerate(row[1] if row else ()):
            if column == len(widths):
                widths.append(0.0)
            widths[column] = max(widths[column], _text_width(entry))
    lines = []
    for line, row in zip(text.split("\n"), rows):
        if row is None:
            lines.append(line)
            continue
        opening, entries, closing = row
        padded = [" " * round(widths[i] - _text_width(entry)) + entry
                  for i, entry in enumerate(entries)]
        lines.append(opening + ", ".join(padded) + closing)
    return "\n".join(lines)


def _text_width(text: str) -> float:
    return sum(_WIDTHS.get(char, 2.0) for char in text)


WIDE = 36  # characters: a longer value goes on lines of its own


def value_html(text: str, color: str | None = None, prefix: str = "",
               size: float | None = None) -> str:
    """A value (after ``prefix``) for a label cell; a matrix keeps its rows and columns.

    >>> value_html("24", prefix="∂f/∂x = ")
    '∂f/∂x = 24'
    """
    if "\n" not in text:
        if len(prefix) + len(text) <= WIDE:
            return font(prefix + text, color, size)
        # a long vector breaks in two rows, numpy style, under its prefix
        if text.startswith("[") and not text.startswith("[[") and len(text) > WIDE:
            parts = text.split(", ")
            half = (len(parts) + 1) // 2
            text = ", ".join(parts[:half]) + ",\n " + ", ".join(parts[half:])
        if len(prefix) > 3:  # a long name: the value starts on its own line
            return font(prefix.rstrip() + "\n" + text, color, size)
        return font(prefix + text, color, size)
    # lines start at the left of the block; the block sits centred, or right after prefix
    body = font(align_columns(text), color, size)
    if not prefix:
        return f'{_BARE_TABLE}<TR><TD BALIGN="LEFT">{body}</TD></TR></TABLE>'
    # the name above the block, not beside it: a matrix box stays as narrow as its rows
    return (f'{_BARE_TABLE}<TR><TD>{font(prefix.rstrip(), color, size)}</TD></TR>'
            f'<TR><TD BALIGN="LEFT">{body}</TD></TR></TABLE>')


def table(rows: Iterable[str], bgcolor: str | None = None) -> str:
    """Rows of label text stacked in a borderless table."""
    bg = f' BGCOLOR="{bgcolor}"' if bgcolor else ""
    cells = "".join(f"<TR><TD>{row}</TD></TR>" for row in rows if row)
    return f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1"{bg}>{cells}</TABLE>>'


# the dtype a value has unless it says otherwise: not written on every box
PLAIN_DTYPES = ("float64",)


def shape_text(node: Node) -> str:
    """The small print under a leaf's name: its shape and an unusual dtype; '' for a float64 scalar.

    >>> from vizgrad.drawing.graph import Node
    >>> def leaf(shape, dtype):
    ...     return Node("n0", "variable", "w", None, "", shape, dtype, "", None, None)
    >>> [shape_text(leaf(s, d)) for s, d in [((), "float64"), ((2, 3), "float64"), ((), "int64")]]
    ['', 'shape (2, 3)', 'int64']
    """
    parts = []
    if node.shape:
        dims = ", ".join(str(n) for n in node.shape) + ("," if len(node.shape) == 1 else "")
        parts.append(f"shape ({dims})")
    if node.dtype not in PLAIN_DTYPES:
        parts.append(str(node.dtype))
    return " · ".join(parts)


def _grad_color(step_of_grad: int | None, step: int) -> str:
    return "" if step_of_grad is None else ("grad" if step_of_grad <= step else TRANSPARENT)


def _second_rows(graph: Graph, node: Node, color: str) -> list[str]:
    """The rows of a node's second number: its gradient (forward mode: its tangent)."""
    if node.grad is None or node.grad_step is None:
        return []
    if graph.mode == "forward":
        return [value_html(node.grad, color, narrate.tangent_prefix(node.label),
                           10 if node.kind == "op" else None)]
    if node.kind == "op":   # used more than once: the total its edges' contributions add up to
        return [value_html(node.grad, color, f"∂{graph.target_name}/∂{node.label} = ",
                           10)] if node.fan_out > 1 else []
    return [value_html(node.grad, color, f"∂{graph.target_name}/∂{node.label} = ")]


def _ghost_rows(ghost: Graph | None, node_id: str) -> list[str]:
    """The other mode's rows of the same node, invisible: with them both modes' drawings
    have boxes of one size, so the layout is the same and switching moves nothing."""
    if ghost is None:
        return []
    try:
        return _second_rows(ghost, ghost.node(node_id), TRANSPARENT)
    except KeyError:
        return []


def node_label(graph: Graph, node: Node, step: int, ghost: Graph | None = None) -> str:
    """The HTML-like label of one node at ``step`` (``ghost``: the other mode's Graph)."""
    colors = graph.colors
    grey = colors["grey"] if node.greyed else None
    value_color = grey or colors["value"]
    text_color = grey
    grad_state = _grad_color(node.grad_step, step)
    grad_color = colors["grad"] if grad_state == "grad" else TRANSPARENT
    rows: list[str] = []
    if node.kind == "op":
        rows.append(font(node.symbol, text_color, 16))
        rows.append(font(node.label, grey or DIM, 9))
        if grad_state:
            rows.extend(_second_rows(graph, node, grad_color))
    elif graph.engine == "micrograd":  # a scalar engine's value: data and grad, as it says
        rows.append(font(node.label, text_color, bold=True))
        rows.append(value_html(node.value, value_color, "data "))
        if node.grad is not None and grad_state:
            rows.append(value_html(node.grad, grad_color, "grad "))
    else:
        rows.append(font(node.label, text_color, bold=True))
        small_print = shape_text(node)
        if small_print:
            rows.append(font(small_print, grey or DIM, 9))
        if node.value != node.label:  # a literal such as 2 is named by its value: once
            rows.append(value_html(node.value, value_color))
        if grad_state:
            rows.extend(_second_rows(graph, node, grad_color))
    rows.extend(_ghost_rows(ghost, node.id))
    for note in node.notes:  # written by the narration, so the widget says the same
        if note.get("mark"):
            rows.append(font(note["mark"], colors["unconnected"], 9))
    return table(rows)


def node_statement(graph: Graph, node: Node, step: int, current: bool,
                   ghost: Graph | None = None) -> str:
    """One node line of the DOT text."""
    attrs = {"id": node.id, "label": node_label(graph, node, step, ghost)}
    styles = []
    if node.kind == "op":
        attrs["shape"] = "ellipse"
        attrs["margin"] = "0.02"
    else:
        attrs["shape"] = "box"
        styles.append("rounded")
        if node.kind == "output":
            attrs["peripheries"] = "2"
        if node.kind == "constant":
            styles.append("dotted" if not node.greyed else "dashed")
    if node.greyed:
        attrs["color"] = graph.colors["grey"]
    if node.unconnected or node.outside_tape or node.stopped:
        styles.append("dashed")
        attrs["color"] = graph.colors["unconnected"]
    if node.nonfinite or node.flagged:  # a red outline too: it stays while the op is current
        attrs["color"] = graph.colors["unconnected"]
        attrs["penwidth"] = "2"
    if current:
        styles.append("filled")
        attrs["fillcolor"] = graph.colors["current"]
    elif node.nonfinite or node.flagged:
        styles.append("filled")
        attrs["fillcolor"] = graph.colors["nonfinite"]
    if styles:
        attrs["style"] = ",".join(dict.fromkeys(styles))
    return f"{node.id} [{_attributes(attrs)}]"


def reference_statement(graph: Graph, node: Node, reference: str) -> str:
    """The DOT line of a small copy of ``node`` drawn next to one of its far uses: its name
    only (the edge out of it shows the value and the gradient of that use)."""
    grey = graph.colors["grey"] if node.greyed else None
    attrs = {"id": reference, "label": table([font(node.label, grey, bold=True)]),
             "shape": "box", "style": "rounded,dotted" if node.kind == "constant" else "rounded"}
    if grey:
        attrs["color"] = grey
    return f"{reference} [{_attributes(attrs)}]"


def group_reference_statement(graph: Graph, scope: Scope, reference: str) -> str:
    """The DOT line of a small copy of a collapsed group beside one of its far uses."""
    label = table([font(scope.name, bold=True)])
    return (f'{reference} [id="{reference}" shape=box3d style="filled" '
            f'fillcolor="{graph.colors["collapsed"]}" label={label}]')


def _edge_second_rows(graph: Graph, edge: Edge, source: Node, leaf: bool, color: str
                      ) -> list[str]:
    """The row of what an edge carries back (forward mode: forward): a gradient part or the
    source's tangent; none where the source's own box already shows it."""
    repeated = leaf and source.fan_out <= 1 and not edge.nonfinite  # NaN: marked where it arrives
    if edge.grad is None or edge.grad_step is None or repeated:
        return []
    if graph.mode == "forward":
        return [value_html(edge.grad, color, narrate.tangent_prefix(source.label))]
    # a source used more than once gets a part of its gradient along each edge
    named = f"∂{graph.target_name}/∂{source.label} {'+=' if source.fan_out > 1 else '='} "
    return [value_html(edge.grad, color, named)]


def edge_label(graph: Graph, edge: Edge, step: int, source: Node, into_output: bool = False,
               from_copy: bool = False, ghost: Graph | None = None) -> str:
    """Value above, gradient (from the step it arrives) below, each named by what it is of.

    What a box already shows is not written again: a leaf's value, its gradient when
    this edge is its only use, and the output's value and seed. '' for no label.
    ``from_copy``: the edge leaves a small copy of its source, which shows only the name.
    ``ghost``: the other mode's Graph, whose row is laid out invisibly (see _ghost_rows).
    """
    colors = graph.colors
    rows: list[str] = []
    if into_output:
        return ""
    leaf = source.kind in ("variable", "constant") and not from_copy
    if not leaf:
        rows.append(value_html(edge.value, colors["grey"] if source.greyed else colors["value"]))
    state = _grad_color(edge.grad_step, step)
    if state:
        rows.extend(_edge_second_rows(graph, edge, source, leaf, colors["grad"]
                                      if state == "grad" else TRANSPARENT))
    if ghost is not None:
        try:
            rows.extend(_edge_second_rows(ghost, ghost.edge(edge.id), ghost.node(source.id),
                                          leaf, TRANSPARENT))
        except KeyError:
            pass
    bg = colors["nonfinite"] if edge.nonfinite and state == "grad" else None
    return table(rows, bg) if rows else ""


def _attributes(attrs: dict[str, str]) -> str:
    parts = []
    for key, value in attrs.items():
        if value.startswith("<") and value.endswith(">"):
            parts.append(f"{key}={value}")
        else:
            parts.append(f'{key}="{value}"')
    return " ".join(parts)


def _short_name(scope: Any, scopes: dict) -> str:
    """A nested scope's name inside the scope it is drawn in: ``attn`` in ``h/0``."""
    parent = scopes.get(scope.parent)
    if parent is not None and scope.name.startswith(parent.name + "/"):
        return scope.name[len(parent.name) + 1:]
    return scope.name


def to_dot(graph: Graph, step: int, *, collapse: Iterable[str] | None = None,
           highlight: bool = True, rankdir: str = "LR", scale: float = 1.0,
           aspect: float | None = None, ghost: Graph | None = None) -> str:
    """The whole DOT text of ``graph`` at ``step``.

    ``collapse``: ids of scopes to draw as one box (None: the graph's default).
    ``highlight``: fill the current step's op (off for the widget's layout).
    ``rankdir``: "LR" (left to right) or "TB" (top to bottom); ``scale``: text size.
    ``aspect``: width / height of the picture (16 / 9 for a slide): the nodes are spread
    out until the drawing has that shape.
    ``ghost``: the same tensors' Graph in the other mode, whose texts are laid out
    invisibly, so switching modes keeps every box where it is.
    Only what is drawn is read: a collapsed scope's nodes are never made.
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)}, got {rankdir!r}")
    collapsed = set(graph.collapse_ids(collapse))
    scopes = {s.id: s for s in graph.scopes}
    structure = graph.structure
    current = structure.step_nodes[step] if highlight else None
    current_id = None if current is None else graph.nodes[current].id
    dim = graph.colors["dim"]
    if aspect is not None and not aspect > 0:
        raise ValueError(f"aspect must be a positive width / height, got {aspect!r}")
    ratio = "" if aspect is None else f" ratio={1 / aspect:.6g}"
    lines = [
        "digraph vizgrad {",
        # newrank: without it, dot fails ("trouble in init_rank") on clusters with many
        # edges between them, as in an expanded large graph
        f"  graph [newrank=true rankdir={rankdir} nodesep=0.25 ranksep=0.25 "
        f'fontname="{FONT}" bgcolor="white"{ratio}];',
        f'  node [fontname="{FONT}" fontsize=11 height=0.3];',
        f'  edge [fontname="{FONT}" fontsize=10 color="{graph.colors["edge"]}" '
        "arrowsize=0.7];",
    ]
    node_indices, drawn_edges = graph.drawn(collapsed)

    def box(scope: str | None) -> str | None:  # the outermost collapsed scope holding it
        found = None
        while scope is not None:
            if scope in collapsed:
                found = scope
            scope = scopes[scope].parent if scope in scopes else None
        return found

    # a box used far apart is drawn again, small, next to each far use (see shared_references)
    references = shared_references(drawn_edges)
    shown_groups = sum(1 for sid in collapsed & scopes.keys() if box(scopes[sid].parent) is None)
    boxes = len(node_indices) + len(references) + shown_groups
    bare = boxes > LABELLED_BOXES  # past the bound: edges without labels (see LABELLED_BOXES)
    note = graph.note
    if bare:
        note = (f"{note}\n" if note else "") + (
            f"{boxes:,} boxes: edges drawn without their values, so the layout stays quick; "
            "click an edge for its value and gradient, or collapse groups")
    if note:
        lines.append(f'  label={table([font(note, dim, 10)])} labelloc=t labeljust=l;')

    current_box = None
    if current is not None:
        current_box = box(structure.node_scopes[current]) or current_id
    # what each open scope holds: its nodes, the boxes of collapsed scopes in it, and
    # the open scopes in it (drawn as clusters inside its cluster)
    by_scope: dict[str | None, list[str]] = {}
    for i in node_indices:
        n = graph.nodes[i]
        statement = node_statement(graph, n, step, n.id == current_id, ghost)
        by_scope.setdefault(n.scope if n.scope in scopes else None, []).append(statement)
    for k, (source, reference) in references.items():
        scope = graph.nodes[structure.edge_targets[k]].scope  # drawn beside its user
        scope = scope if scope in scopes else None
        hidden = box(scope)
        if hidden is not None:  # its user is inside a collapsed scope: beside that box
            scope = scopes[hidden].parent
        if source in scopes:  # a collapsed group
            statement = group_reference_statement(graph, scopes[source], reference)
        else:
            statement = reference_statement(graph, graph.nodes[int(source[1:])], reference)
        by_scope.setdefault(scope, []).append(statement)
    inner: dict[str | None, list[str]] = {}
    for sid, scope in scopes.items():  # parents come before the scopes in them
        parent = scope.parent if scope.parent in scopes else None
        if box(parent) is not None:
            continue  # inside a collapsed scope
        if sid in collapsed:
            fill = graph.colors["current"] if sid == current_box else graph.colors["collapsed"]
            size = f"{scope.size:,} node{'s' if scope.size != 1 else ''}"
            label = table([font(_short_name(scope, scopes), bold=True),
                           font(f"{size} · click to expand", dim, 9)])
            by_scope.setdefault(parent, []).append(
                f'{sid} [id="{sid}" shape=box3d style="filled" fillcolor="{fill}" '
                f"label={label}];")
        else:
            inner.setdefault(parent, []).append(sid)

    def cluster(sid: str, indent: str) -> list[str]:
        body = [f"{indent}  {statement}" for statement in by_scope.get(sid, [])]
        for child in inner.get(sid, []):
            body.extend(cluster(child, indent + "  "))
        if not body:
            return []
        return [f"{indent}subgraph cluster_{sid} {{",
                f'{indent}  id="{sid}" style="rounded,dashed" color="{graph.colors["grey"]}" '
                f"label={table([font(_short_name(scopes[sid], scopes), dim, 10)])};",
                *body, f"{indent}}}"]

    lines.extend(f"  {s}" for s in by_scope.get(None, []))
    for sid in inner.get(None, []):
        lines.extend(cluster(sid, "  "))

    greyed = structure.node_greyed
    for k, source, target, edges, tensors in drawn_edges:
        if k in references:
            source = references[k][1]
        e = graph.edges[k] if edges == 1 else None
        source_greyed = greyed[structure.edge_sources[k]]
        if bare:
            label = ""
        elif e is not None:
            label = edge_label(graph, e, step, graph.nodes[structure.edge_sources[k]],
                               graph.nodes[structure.edge_targets[k]].kind == "output",
                               from_copy=k in references, ghost=ghost)
        elif tensors == edges:
            label = table([font(f"{tensors} tensors", dim)])
        else:
            label = table([font(f"{edges} edges from {tensors} tensor"
                                f"{'s' if tensors > 1 else ''}", dim)])
        extra = f' color="{graph.colors["grey"]}"' if source_greyed else ""
        labelled = f" label={label}" if label else ""
        lines.append(f'  {source} -> {target} [id="e{k}"{labelled}{extra}];')
    lines.append("}")
    text = "\n".join(lines) + "\n"
    return text if scale == 1 else scaled(text, scale)


# -- the layout's structure ---------------------------------------------------------------
# Graphviz's dot spends its time on long edges: each is a chain of virtual nodes, one per
# rank it crosses (two with edge labels), that every ordering and positioning pass moves.
# A tensor used all along a computation (an RNN's shared weights and input) sends one long
# edge to every step: 60 steps took more than 120 s to lay out. Drawn once per far use
# instead, as TensorBoard draws its "auxiliary" nodes, no edge crosses more than MAX_SPAN
# ranks and the same drawing lays out in well under a second.
MAX_SPAN = 2          # ranks an edge from a shared box may cross before it is drawn again
REFERENCE_MARK = "_"  # a reference's id: the box's id, the mark, the edge's id ("n0_e5")
MIN_OP_USES = 3       # an op's result is drawn again only when used this often (a skip
                      # connection, used twice, keeps its one long edge: it is the picture)


# Past this many boxes (only when a reader expands the groups of a large graph) edge labels
# are left out: each is a box of its own in dot's layout, and thousands of them take minutes
LABELLED_BOXES = 600


def reference_id(box: str, edge_id: str) -> str:
    """The id of the small copy of ``box`` drawn next to the use along ``edge_id``.

    >>> reference_id("n0", "e5")
    'n0_e5'
    """
    return f"{box}{REFERENCE_MARK}{edge_id}"


def shared_references(drawn_edges: Iterable[tuple[int, str, str, int, int]]
                      ) -> dict[int, tuple[str, str]]:
    """The edges drawn from a small copy of their source: edge index -> (source, copy id).

    A box keeps its edges to the uses within MAX_SPAN ranks of its nearest use; each
    farther use gets a copy of its own. Ranks are longest paths, as dot ranks; a leaf
    sits just before its nearest use. Leaves are copied when used twice or more, op
    results and collapsed groups when used MIN_OP_USES times or more.

    >>> edges = [(0, "n0", "n1", 1, 1), (1, "n1", "n2", 1, 1), (2, "n2", "n3", 1, 1),
    ...          (3, "n3", "n4", 1, 1), (4, "n0", "n4", 1, 1)]
    >>> shared_references(edges)
    {4: ('n0', 'n0_e4')}
    """
    edges = [(k, s, t) for k, s, t, _, _ in drawn_edges]
    rank = _ranks([(s, t) for _, s, t in edges])
    uses: dict[str, list[tuple[int, int]]] = {}
    has_inputs = set()
    for k, s, t in edges:
        has_inputs.add(t)
        if t in rank:
            uses.setdefault(s, []).append((rank[t], k))
    references: dict[int, tuple[str, str]] = {}
    for box, used in uses.items():
        if len(used) < (MIN_OP_USES if box in has_inputs else 2):
            continue
        used.sort()
        nearest = used[0][0] if box not in has_inputs else rank.get(box, used[0][0]) + 1
        for r, k in used:
            if r - nearest >= MAX_SPAN:
                references[k] = (box, reference_id(box, f"e{k}"))
    return references


def _ranks(edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Each box's longest-path rank (boxes on a cycle of collapsed groups get none)."""
    users: dict[str, list[str]] = {}
    waiting: dict[str, int] = {}
    for s, t in edges:
        users.setdefault(s, []).append(t)
        waiting[t] = waiting.get(t, 0) + 1
        waiting.setdefault(s, 0)
    rank = dict.fromkeys(waiting, 0)
    ready = [box for box, count in waiting.items() if count == 0]
    done: dict[str, int] = {}
    while ready:
        box = ready.pop()
        done[box] = rank[box]
        for user in users.get(box, ()):
            rank[user] = max(rank[user], rank[box] + 1)
            waiting[user] -= 1
            if waiting[user] == 0:
                ready.append(user)
    return done


_FONT_SIZE = re.compile(r'(POINT-SIZE="|fontsize=)([\d.]+)')


def scaled(dot: str, scale: float) -> str:
    """``dot`` with every font size multiplied by ``scale`` (text for slides).

    >>> scaled('node [fontsize=11]; <FONT POINT-SIZE="9">x</FONT>', 2)
    'node [fontsize=22]; <FONT POINT-SIZE="18">x</FONT>'
    """
    if not scale > 0:
        raise ValueError(f"scale must be a positive number, got {scale!r}")
    return _FONT_SIZE.sub(lambda m: f"{m.group(1)}{float(m.group(2)) * scale:g}", dot)
