"""Grouping: which box each node is drawn in, and what a collapsed drawing shows.

A ``vg.scope`` (or a PyTorch module) is a group, nested in the scopes it is
in. A graph past ``COLLAPSE_LIMIT`` nodes starts collapsed; one without scopes
is cut into about ``CHUNKS`` bands of depth, so the collapsed drawing reads
left to right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .trace import TracedTensor

COLLAPSE_LIMIT = 300     # graphs with more nodes than this start collapsed
CHUNKS = 40              # an unscoped graph past the limit is drawn as about this many groups


@dataclass(frozen=True)
class Grouping:
    """The groups in order of first appearance, and each tensor's group (None: on its own).

    Groups nest: ``names`` are full paths ("transformer/h/0"), a group comes after
    the group it is in (``parents``), and ``sizes`` count the nodes of nested groups too.
    """

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    collapsed: bool                   # the graph is large: its groups start collapsed
    group_of: list[int | None]        # tensor index -> position in ``names`` (innermost)
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


def group(tensors: Sequence[TracedTensor], leaf_users: Mapping[int, Sequence[int]],
          node_count: int) -> Grouping:
    """Group the tensors of a trace; ``leaf_users[i]``: the tensors that take leaf i as input.

    Each scope path is a group, and so is each of its prefixes: ``layer1/inner`` is
    drawn inside ``layer1``. A leaf goes with its users, in the innermost group that
    holds them all.

    >>> import vizgrad as vg
    >>> from vizgrad.drawing.record import trace_of_tensor
    >>> x = vg.Variable(1.0)
    >>> with vg.scope("layer1/inner"):
    ...     y = vg.tanh(x)
    >>> grouping = group(trace_of_tensor(y).tensors, {0: [1]}, node_count=3)
    >>> grouping.names, grouping.parents, grouping.group_of
    (('layer1', 'layer1/inner'), (None, 0), [1, 1])
    """
    scope_of: list[str | None] = [None if t.scope is None or t.op is None else t.scope
                                  for t in tensors]
    for t in tensors:
        if t.op is None:  # a leaf goes with its users, in the group that holds them all
            users = leaf_users.get(t.index, ())
            scope_of[t.index] = common_scope(scope_of[u] for u in users) if users else \
                t.scope
    large = node_count > COLLAPSE_LIMIT
    chunks: dict[str, int] = {}  # the groups made for a large graph, in order
    if large:
        unscoped_ops = [t.index for t in tensors if t.op is not None and not scope_of[t.index]]
        tops = {path.split("/")[0] for path in scope_of if path}
        visible = len(tops) + scope_of.count(None)
        if visible > COLLAPSE_LIMIT and unscoped_ops:
            _chunk(tensors, leaf_users, scope_of, unscoped_ops, chunks)
    # scopes in order of first appearance (index order is creation order), each after
    # the scopes it is in; then the groups made for a large graph
    sizes: dict[str, int] = {}
    parent_of: dict[str, str | None] = {}
    for name in scope_of:
        if not name:
            continue
        if name in chunks:
            chunks[name] += 1
            continue
        parent = None
        parts = name.split("/")
        for k in range(1, len(parts) + 1):
            path = "/".join(parts[:k])
            if path not in sizes:
                sizes[path] = 0
                parent_of[path] = parent
            sizes[path] += 1
            parent = path
    sizes.update(chunks)
    position = {name: k for k, name in enumerate(sizes)}
    parents = tuple(None if parent_of.get(name) is None else position[parent_of[name]]
                    for name in sizes)
    position[None] = None  # type: ignore[index]
    return Grouping(tuple(sizes), tuple(sizes.values()), large,
                    [position[name] for name in scope_of], parents)


def _chunk(tensors: Sequence[TracedTensor], leaf_users: Mapping[int, Sequence[int]],
           scope_of: list[str | None], unscoped_ops: list[int], chunks: dict[str, int]) -> None:
    """Cut the unscoped ops into about CHUNKS groups, bands of depth (the longest path
    from a leaf), so edges run from one group to a later one and the collapsed drawing
    reads left to right."""
    depth = [0] * len(tensors)
    for t in tensors:  # index order: inputs before their users
        inputs = t.inputs
        if len(inputs) == 1:
            depth[t.index] = depth[inputs[0]] + 1
        elif inputs:
            depth[t.index] = 1 + max([depth[x] for x in inputs])
    order = sorted(unscoped_ops, key=depth.__getitem__)  # stable: ties stay in index order
    size = math.ceil(len(order) / CHUNKS)
    rank = [-1] * len(tensors)
    for first in range(0, len(order), size):
        band = order[first:first + size]
        name = f"ops {first + 1}–{first + len(band)}"
        chunks[name] = 0
        for r, i in enumerate(band, start=first):
            scope_of[i] = name
            rank[i] = r
    for t in tensors:  # a leaf goes with the first group that uses it
        if t.op is None and not scope_of[t.index]:
            ranked = [u for u in leaf_users.get(t.index, ()) if rank[u] >= 0]
            if ranked:
                scope_of[t.index] = scope_of[min(ranked, key=rank.__getitem__)]


def drawn_parts(node_scopes: Sequence[str | None], edge_sources: Sequence[int],
                edge_targets: Sequence[int], collapsed: Iterable[str],
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
        return (list(range(len(node_scopes))),
                [(k, f"n{s}", f"n{t}", 1, 1) for k, (s, t) in
                 enumerate(zip(edge_sources, edge_targets))])
    box_of_scope: dict[str | None, str | None] = {None: None}

    def outermost(scope: str | None) -> str | None:  # its box, or None when it is open
        if scope not in box_of_scope:
            parent = parents.get(scope) if parents else None
            above = outermost(parent) if parent is not None else None
            box_of_scope[scope] = above or (scope if scope in collapsed else None)
        return box_of_scope[scope]

    box = [outermost(scope) or f"n{i}" for i, scope in enumerate(node_scopes)]
    nodes = [i for i, b in enumerate(box) if b[0] == "n"]
    bundles: dict[tuple[str, str], list] = {}
    edges: list[list] = []
    for k, (s, t) in enumerate(zip(edge_sources, edge_targets)):
        source, target = box[s], box[t]
        if source == target and source[0] != "n":
            continue  # inside one collapsed scope
        if source[0] != "n" or target[0] != "n":
            bundle = bundles.get((source, target))
            if bundle is not None:
                bundle[3] += 1
                bundle[5].add(s)
                continue
            bundle = bundles[(source, target)] = [k, source, target, 1, 1, {s}]
            edges.append(bundle)
        else:
            edges.append([k, source, target, 1, 1, None])
    return nodes, [(k, source, target, count, len(sources) if sources else 1)
                   for k, source, target, count, _, sources in edges]
