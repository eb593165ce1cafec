"""Grouping: which box each node is drawn in, and what a collapsed drawing shows.

A ``vg.scope`` (or a PyTorch module) is a group, nested in the scopes it is
in. A graph past ``COLLAPSE_LIMIT`` nodes starts collapsed; one without scopes
is cut into about ``CHUNKS`` bands of depth, so the collapsed drawing reads
left to right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .trace import Columns, codes_of

if TYPE_CHECKING:  # pragma: no cover
    from .graph import Structure

COLLAPSE_LIMIT = 300     # graphs with more nodes than this start collapsed
CHUNKS = 40              # an unscoped graph past the limit is drawn as about this many groups


@dataclass(frozen=True, eq=False)
class Grouping:
    """The groups in order of first appearance, and each tensor's group (-1: on its own).

    Groups nest: ``names`` are full paths ("transformer/h/0"), a group comes after
    the group it is in (``parents``), and ``sizes`` count the nodes of nested groups too.
    """

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    collapsed: bool                   # the graph is large: its groups start collapsed
    group_of: np.ndarray              # tensor index -> position in ``names`` (innermost)
    parents: tuple[int | None, ...] = ()   # group -> the group it is in


def common_scope(paths: Iterable[str | None]) -> str | None:
    """The innermost scope that holds every one of ``paths`` (None: no common scope).

    >>> common_scope(["h/0/attn", "h/0/mlp"]), common_scope(["h/0", "ln_f"])
    ('h/0', None)
    """
    distinct = set(paths)
    if None in distinct or "" in distinct or not distinct:
        return None
    if len(distinct) == 1:
        return distinct.pop()
    shared: list[str] | None = None
    for path in distinct:
        parts = path.split("/")
        if shared is None:
            shared = parts
            continue
        k = 0
        while k < min(len(shared), len(parts)) and shared[k] == parts[k]:
            k += 1
        shared = shared[:k]
        if not shared:
            return None
    return "/".join(shared) if shared else None


def distinct(values: np.ndarray) -> np.ndarray:
    """The distinct values, sorted (np.unique without its overhead on small arrays).

    >>> distinct(np.array([3, 1, 3])).tolist()
    [1, 3]
    """
    ordered = np.sort(values)
    keep = np.ones(len(ordered), dtype=bool)
    keep[1:] = ordered[1:] != ordered[:-1]
    return ordered[keep]


def leaf_uses(columns: Columns, is_leaf: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each use of a leaf as an input, in tensor order: (the leaf, the tensor using it)."""
    users = np.repeat(np.arange(len(columns)), columns.counts)
    at = np.flatnonzero(is_leaf[columns.inputs])
    return columns.inputs[at], users[at]


def group(columns: Columns, node_count: int) -> Grouping:
    """Group the tensors of a trace (its ``Columns``).

    Each scope path is a group, and so is each of its prefixes: ``layer1/inner`` is
    drawn inside ``layer1``. A leaf goes with its users, in the innermost group that
    holds them all.

    >>> import vizgrad as vg
    >>> from vizgrad.drawing.record import trace_of_tensor
    >>> x = vg.Variable(1.0)
    >>> with vg.scope("layer1/inner"):
    ...     y = vg.tanh(x)
    >>> grouping = group(trace_of_tensor(y).tensors.columns, node_count=3)
    >>> grouping.names, grouping.parents, grouping.group_of.tolist()
    (('layer1', 'layer1/inner'), (None, 0), [1, 1])
    """
    n = len(columns)
    is_leaf = columns.is_leaf
    # scope_code: each tensor's scope as a position in ``table`` (its distinct scopes)
    if columns.scopes.count(None) == n:  # no scope at all
        scope_code, table = np.zeros(n, np.int64), [None]
    else:
        scope_code, found = codes_of(columns.scopes)
        table = list(found)
    if None not in table:
        table.append(None)
    none = table.index(None)
    scope_code[is_leaf] = none            # a leaf goes with its users (below)
    leaves, users = leaf_uses(columns, is_leaf)
    used = np.zeros(n, dtype=bool)
    used[leaves] = True
    own = np.flatnonzero(is_leaf & ~used)   # a leaf no op uses keeps its own scope
    scope_code[own], _ = _coded([columns.scopes[i] for i in own.tolist()], table)
    if len(leaves) and len(table) > 1:
        # the distinct (leaf, scope of a user) pairs, and a leaf's common scope of them
        pairs = distinct(leaves * len(table) + scope_code[users])
        leaf_of, code = np.divmod(pairs, len(table))
        bounds = np.flatnonzero(np.diff(leaf_of)) + 1
        start = np.concatenate(([0], bounds))
        end = np.concatenate((bounds, [len(pairs)]))
        single = end - start == 1
        scope_code[leaf_of[start[single]]] = code[start[single]]
        for a, b in zip(start[~single].tolist(), end[~single].tolist()):
            path = common_scope(table[c] for c in code[a:b].tolist())
            if path not in table:
                table.append(path)
            scope_code[leaf_of[a]] = table.index(path)
        if "" in table:  # a leaf used in the scope "" alone is in no scope
            scope_code[leaves[scope_code[leaves] == table.index("")]] = none
    blank = np.array([not path for path in table], dtype=bool)   # None or ""
    large = node_count > COLLAPSE_LIMIT
    chunks: dict[str, int] = {}  # the groups made for a large graph, in order
    if large:
        unscoped_ops = np.flatnonzero(~is_leaf & blank[scope_code])
        present = np.bincount(scope_code, minlength=len(table)) > 0
        tops = {path.split("/")[0] for k, path in enumerate(table) if path and present[k]}
        visible = len(tops) + int(np.count_nonzero(scope_code == none))
        if visible > COLLAPSE_LIMIT and len(unscoped_ops):
            _chunk(columns, is_leaf, leaves, users, scope_code, table, blank, unscoped_ops,
                   chunks)
    # scopes in order of first appearance (index order is creation order), each after
    # the scopes it is in; then the groups made for a large graph
    counts = np.bincount(scope_code, minlength=len(table))
    codes_present = np.flatnonzero(counts)
    first = np.full(len(table), n, np.int64)
    np.minimum.at(first, scope_code, np.arange(n))
    sizes: dict[str, int] = {}
    parent_of: dict[str, str | None] = {}
    chunk_counts = dict.fromkeys(chunks, 0)
    for code in sorted(codes_present.tolist(), key=first.__getitem__):
        name = table[code]
        if not name:
            continue
        if name in chunk_counts:
            chunk_counts[name] += int(counts[code])
            continue
        parent = None
        parts = name.split("/")
        for k in range(1, len(parts) + 1):
            path = "/".join(parts[:k])
            if path not in sizes:
                sizes[path] = 0
                parent_of[path] = parent
            sizes[path] += int(counts[code])
            parent = path
    sizes.update(chunk_counts)
    position = {name: k for k, name in enumerate(sizes)}
    parents = tuple(None if parent_of.get(name) is None else position[parent_of[name]]
                    for name in sizes)
    group_of_code = np.array([position.get(path, -1) if path else -1 for path in table],
                             dtype=np.int64)
    return Grouping(tuple(sizes), tuple(sizes.values()), large, group_of_code[scope_code],
                    parents)


def _coded(paths: list, table: list) -> tuple[np.ndarray, list]:
    """``paths`` as positions in ``table`` (paths it lacks are added to it)."""
    codes = []
    for path in paths:
        if path not in table:
            table.append(path)
        codes.append(table.index(path))
    return np.array(codes, dtype=np.int64), table


def _depths(columns: Columns) -> np.ndarray:
    """Each tensor's depth: the longest path to it from a leaf (index order is a
    topological order: inputs come before their users).

    A run of one-input ops each taking the tensor just before it (sin(tanh(sin(x)))) adds
    one per op: only the tensor heading each run is worked out one by one.
    """
    starts, inputs, counts = columns.starts, columns.inputs, columns.counts
    n = len(columns)
    index = np.arange(n)
    follows = counts == 1
    follows[follows] = inputs[starts[:-1][follows]] == index[follows] - 1
    heads = np.flatnonzero(~follows)
    head_of = np.maximum.accumulate(np.where(follows, 0, index)) if n else index
    depth = [0] * n
    beyond = (index - head_of).tolist()     # how far into its run a tensor is
    head_list = head_of.tolist()
    for i in heads[counts[heads] > 0].tolist():
        found = 0
        for x in inputs[starts[i]:starts[i + 1]].tolist():
            d = depth[head_list[x]] + beyond[x]
            if d > found:
                found = d
        depth[i] = found + 1
    depths = np.array(depth, dtype=np.int64)
    return depths[head_of] + index - head_of


def _chunk(columns: Columns, is_leaf: np.ndarray, leaves: np.ndarray, users: np.ndarray,
           scope_code: np.ndarray, table: list, blank: np.ndarray, unscoped_ops: np.ndarray,
           chunks: dict[str, int]) -> None:
    """Cut the unscoped ops into about CHUNKS groups, bands of depth (the longest path
    from a leaf), so edges run from one group to a later one and the collapsed drawing
    reads left to right."""
    depth = _depths(columns)
    order = unscoped_ops[np.argsort(depth[unscoped_ops], kind="stable")]  # ties: index order
    size = math.ceil(len(order) / CHUNKS)
    rank = np.full(len(columns), -1, np.int64)
    rank[order] = np.arange(len(order))
    band_code = np.empty(math.ceil(len(order) / size), np.int64)
    for b, first in enumerate(range(0, len(order), size)):
        last = min(first + size, len(order))
        name = f"ops {first + 1}–{last}"
        chunks[name] = 0
        if name not in table:
            table.append(name)
        band_code[b] = table.index(name)
    scope_code[order] = band_code[np.arange(len(order)) // size]
    # a leaf without a scope goes with the first group that uses it
    ranked = rank[users]
    keep = blank[scope_code[leaves]] & (ranked >= 0)
    if keep.any():
        best = np.full(len(columns), len(order), np.int64)
        np.minimum.at(best, leaves[keep], ranked[keep])
        placed = np.flatnonzero(best < len(order))
        scope_code[placed] = band_code[best[placed] // size]


def drawn_parts(structure: Structure, collapsed: Iterable[str],
                parents: Mapping[str, str | None] | None = None
                ) -> tuple[list[int], list[tuple[int, str, str, int, int]]]:
    """What a drawing with the scopes ``collapsed`` shows.

    ``parents``: scope id -> the scope it is in (None: none nest). A node inside a
    collapsed scope, or inside any scope within one, is drawn as the outermost
    collapsed scope's box.

    Returns the indices of the nodes drawn on their own, and the edges drawn, as
    (edge index, source box, target box, edges bundled, tensors bundled): edges into,
    out of or between collapsed boxes are drawn once per pair of boxes.
    """
    collapsed = set(collapsed)
    if not collapsed:
        return (list(range(len(structure.node_scopes))),
                [(k, f"n{s}", f"n{t}", 1, 1) for k, (s, t) in
                 enumerate(zip(structure.edge_sources, structure.edge_targets))])
    codes, table, sources, targets = structure.arrays()
    box_of_scope: dict[str | None, str | None] = {None: None}

    def outermost(scope: str | None) -> str | None:  # its box, or None when it is open
        if scope not in box_of_scope:
            parent = parents.get(scope) if parents else None
            above = outermost(parent) if parent is not None else None
            box_of_scope[scope] = above or (scope if scope in collapsed else None)
        return box_of_scope[scope]

    boxes = list(dict.fromkeys(b for b in map(outermost, table) if b is not None))
    box_code = np.array([-1 if outermost(scope) is None else boxes.index(outermost(scope))
                         for scope in table] + [-1], dtype=np.int64)
    box = box_code[codes]   # per node: its collapsed box, or -1 (drawn on its own)
    nodes = np.flatnonzero(box < 0).tolist()
    n = len(box)
    source_box, target_box = box[sources], box[targets]
    shown = (source_box != target_box) | (source_box < 0)   # not inside one box
    plain = np.flatnonzero(shown & (source_box < 0) & (target_box < 0))
    bundled = np.flatnonzero(shown & ((source_box >= 0) | (target_box >= 0)))
    # a bundle per pair of ends, a box's end numbered after the nodes
    source_end = np.where(source_box >= 0, n + source_box, sources)[bundled]
    target_end = np.where(target_box >= 0, n + target_box, targets)[bundled]
    _, first, which, count = np.unique(source_end * (n + len(boxes)) + target_end,
                                       return_index=True, return_inverse=True,
                                       return_counts=True)
    tensors = np.bincount(distinct(which * n + sources[bundled]) // n, minlength=len(first))

    def end(code: int) -> str:
        return f"n{code}" if code < n else boxes[code - n]

    edges = [(k, f"n{s}", f"n{t}", 1, 1) for k, s, t in zip(
        plain.tolist(), sources[plain].tolist(), targets[plain].tolist())]
    edges += [(k, end(s), end(t), c, m) for k, s, t, c, m in zip(
        bundled[first].tolist(), source_end[first].tolist(), target_end[first].tolist(),
        count.tolist(), tensors.tolist())]
    edges.sort(key=_first)
    return nodes, edges


def _first(item: tuple) -> int:
    return item[0]
