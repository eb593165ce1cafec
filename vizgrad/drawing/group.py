"""Grouping: which box each node is drawn in, and what a collapsed drawing shows.

A ``vg.scope`` (its top level) is a group. A graph past ``COLLAPSE_LIMIT``
nodes starts collapsed; one without scopes is cut into about ``CHUNKS`` bands
of depth, so the collapsed drawing reads left to right.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
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


def group(tensors: Sequence[TracedTensor], users: Sequence[Sequence[int]],
          node_count: int) -> Grouping:
    """Group the tensors of a trace; ``users[i]``: the tensors that take tensor i as input."""
    def top(path: str | None) -> str | None:
        return path.split("/")[0] if path else None

    scope_of: list[str | None] = [None] * len(tensors)
    for t in tensors:
        if t.op is not None:
            scope_of[t.index] = top(t.scope)
    for t in tensors:
        if t.op is None:  # a leaf goes with its users when they share one scope
            shared = {scope_of[u] for u in users[t.index]}
            scope_of[t.index] = shared.pop() if len(shared) == 1 else top(t.scope)
    large = node_count > COLLAPSE_LIMIT
    unscoped_ops = [t.index for t in tensors if t.op is not None and not scope_of[t.index]]
    named = set(scope_of) - {None}
    visible = len(named) + sum(1 for name in scope_of if not name)
    chunks: dict[str, int] = {}  # the groups made for a large graph, in order
    if large and visible > COLLAPSE_LIMIT and unscoped_ops:
        # groups are bands of depth (longest path from a leaf), so edges run from one
        # group to a later one and the collapsed drawing reads left to right
        depth = [0] * len(tensors)
        for t in tensors:  # index order: inputs before their users
            depth[t.index] = 1 + max((depth[x] for x in t.inputs), default=-1)
        order = sorted(unscoped_ops, key=lambda i: (depth[i], i))
        rank = {i: r for r, i in enumerate(order)}
        size = math.ceil(len(order) / CHUNKS)
        for r, i in enumerate(order):
            first = r - r % size
            last = min(first + size, len(order))
            scope_of[i] = f"ops {first + 1}–{last}"
            chunks.setdefault(scope_of[i], 0)
        for t in tensors:  # a leaf goes with the first group that uses it
            if t.op is None and not scope_of[t.index]:
                ranked = [u for u in users[t.index] if u in rank]
                if ranked:
                    scope_of[t.index] = scope_of[min(ranked, key=rank.__getitem__)]
    # scopes in order of first appearance (index order is creation order), then groups
    sizes: dict[str, int] = {}
    for name in scope_of:
        if name and name not in chunks:
            sizes[name] = sizes.get(name, 0) + 1
        elif name:
            chunks[name] += 1
    sizes.update(chunks)
    position = {name: k for k, name in enumerate(sizes)}
    return Grouping(tuple(sizes), tuple(sizes.values()), large,
                    [None if name is None else position[name] for name in scope_of])


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
