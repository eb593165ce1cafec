"""Grouping: which box each node is drawn in, and what a collapsed drawing shows.

A ``vg.scope`` (its top level) is a group. A graph past ``COLLAPSE_LIMIT``
nodes starts collapsed; one without scopes is cut into about ``CHUNKS`` bands
of depth, so the collapsed drawing reads left to right.
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
    """The groups in order of first appearance, and each tensor's group (None: on its own)."""

    names: tuple[str, ...]
    sizes: tuple[int, ...]
    collapsed: bool                   # the graph is large: its groups start collapsed
    group_of: list[int | None]        # tensor index -> position in ``names``


def group(tensors: Sequence[TracedTensor], leaf_users: Mapping[int, Sequence[int]],
          node_count: int) -> Grouping:
    """Group the tensors of a trace; ``leaf_users[i]``: the tensors that take leaf i as input.

    >>> import vizgrad as vg
    >>> from vizgrad.drawing.record import trace_of_tensor
    >>> x = vg.Variable(1.0)
    >>> with vg.scope("layer1/inner"):
    ...     y = vg.tanh(x)
    >>> grouping = group(trace_of_tensor(y).tensors, {0: [1]}, node_count=3)
    >>> grouping.names, grouping.group_of
    (('layer1',), [0, 0])
    """
    def top(path: str | None) -> str | None:
        return path.split("/")[0] if path else None

    scope_of: list[str | None] = [None if t.scope is None or t.op is None else top(t.scope)
                                  for t in tensors]
    for t in tensors:
        if t.op is None:  # a leaf goes with its users when they share one scope
            shared = {scope_of[u] for u in leaf_users.get(t.index, ())}
            scope_of[t.index] = shared.pop() if len(shared) == 1 else top(t.scope)
    large = node_count > COLLAPSE_LIMIT
    chunks: dict[str, int] = {}  # the groups made for a large graph, in order
    if large:
        unscoped_ops = [t.index for t in tensors if t.op is not None and not scope_of[t.index]]
        visible = len(set(scope_of) - {None}) + scope_of.count(None)
        if visible > COLLAPSE_LIMIT and unscoped_ops:
            _chunk(tensors, leaf_users, scope_of, unscoped_ops, chunks)
    # scopes in order of first appearance (index order is creation order), then groups
    sizes: dict[str, int] = {}
    for name in scope_of:
        if name and name not in chunks:
            sizes[name] = sizes.get(name, 0) + 1
        elif name:
            chunks[name] += 1
    sizes.update(chunks)
    position = {name: k for k, name in enumerate(sizes)}
    position[None] = None  # type: ignore[index]
    return Grouping(tuple(sizes), tuple(sizes.values()), large,
                    [position[name] for name in scope_of])


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
                edge_targets: Sequence[int], collapsed: Iterable[str]
                ) -> tuple[list[int], list[tuple[int, str, str, int, int]]]:
    """What a drawing with the scopes ``collapsed`` shows.

    Returns the indices of the nodes drawn on their own, and the edges drawn, as
    (edge index, source box, target box, edges bundled, tensors bundled): edges into,
    out of or between collapsed boxes are drawn once per pair of boxes.
    """
    collapsed = set(collapsed)
    if not collapsed:
        return (list(range(len(node_scopes))),
                [(k, f"n{s}", f"n{t}", 1, 1) for k, (s, t) in
                 enumerate(zip(edge_sources, edge_targets))])
    box = [scope if scope in collapsed else f"n{i}" for i, scope in enumerate(node_scopes)]
    nodes = [i for i, scope in enumerate(node_scopes) if scope not in collapsed]
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
