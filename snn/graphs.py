"""A spiking network as a networkx graph and back.

``to_networkx`` writes nodes ``(group name, index)`` with attributes ``group``,
``index``, ``kind`` (population, poisson, spike_source) and ``model`` (NEST's
model name), and one edge per synapse with ``weight``, ``delay`` (ms) and
``receptor`` ("ex" / "in"). ``connect_graph`` reads such a graph (or any DiGraph
over 0..n-1 between two given groups) into projections. networkx is for
description and analysis; nothing here runs in the simulation loop.
"""

from __future__ import annotations

import networkx as nx
import numpy as np

from neurodyn.graph import from_edges
from snn.elements import Population


def to_networkx(network) -> nx.DiGraph:
    """The network as an ``nx.DiGraph`` (parallel synapses of one pair: weights summed)."""
    graph = nx.DiGraph()
    for group in network.groups:
        model = group.model.nest_model if group.kind == "population" else group.kind
        graph.add_nodes_from(
            ((group.name, i), {"group": group.name, "index": i, "kind": group.kind, "model": model})
            for i in range(group.n)
        )
    for projection in network.projections:
        pre, post = projection.pre.name, projection.post.name
        receptors = np.where(projection.receptors() == 0, "ex", "in")
        for u, v, w, d, r in zip(
            projection.sources().tolist(),
            projection.targets().tolist(),
            projection.weights.tolist(),
            projection.delays.tolist(),
            receptors.tolist(),
            strict=True,
        ):
            edge = ((pre, u), (post, v))
            if graph.has_edge(*edge):
                graph.edges[edge]["weight"] += w
            else:
                graph.add_edge(*edge, weight=w, delay=d, receptor=r)
    return graph


def connect_graph(
    network,
    graph,
    pre=None,
    post=None,
    *,
    weight: str = "weight",
    delay: str = "delay",
    default_delay: float = 1.0,
    receptor: str | None = None,
    nodelist=None,
) -> list:
    """Projections holding the edges of ``graph`` (see ``Network.connect_graph``).

    Edges need the ``weight`` attribute; ``delay`` (ms) defaults to
    ``default_delay``. ``receptor`` fixes the synapse type (default: each
    weight's sign, or the edge's ``receptor`` attribute when present).
    """
    if not isinstance(graph, nx.DiGraph):
        raise TypeError(f"graph: expected a networkx DiGraph (got {type(graph).__name__})")
    if (pre is None) != (post is None):
        raise ValueError("connect_graph: give both pre and post, or neither")
    if pre is None:
        return _connect_labelled(network, graph, weight, delay, default_delay, receptor)
    pre = network._own(pre, "pre")
    post = network._own(post, "post", (Population,))
    nodes = list(range(max(pre.n, post.n))) if nodelist is None else list(nodelist)
    index = {node: i for i, node in enumerate(nodes)}
    edges = list(graph.edges(data=True))
    missing = [u for u, v, _ in edges for x in (u, v) if x not in index]
    if missing:
        raise ValueError(
            f"graph: node {missing[0]!r} is not one of 0 .. n-1 (pass nodelist= to map labels)"
        )
    sources = np.array([index[u] for u, _, _ in edges], np.int64)
    targets = np.array([index[v] for _, v, _ in edges], np.int64)
    if sources.size and (sources.max() >= pre.n or targets.max() >= post.n):
        raise ValueError(
            f"graph: node indices exceed {pre.name!r} ({pre.n}) or {post.name!r} ({post.n})"
        )
    return [
        _add(network, pre, post, edges, sources, targets, weight, delay, default_delay, receptor)
    ]


def _connect_labelled(network, graph, weight, delay, default_delay, receptor) -> list:
    by_pair: dict[tuple[str, str], list] = {}
    for u, v, data in graph.edges(data=True):
        for node in (u, v):
            if not (isinstance(node, tuple) and len(node) == 2):
                raise ValueError(
                    f"graph: node {node!r} is not a (group name, index) pair; pass pre= and post="
                )
        by_pair.setdefault((u[0], v[0]), []).append((u, v, data))
    projections = []
    for (pre_name, post_name), edges in by_pair.items():
        pre, post = network[pre_name], network[post_name]
        sources = np.array([u[1] for u, _, _ in edges], np.int64)
        targets = np.array([v[1] for _, v, _ in edges], np.int64)
        edge_receptors = {data.get("receptor") for _, _, data in edges}
        chosen = receptor
        if chosen is None and len(edge_receptors) == 1 and None not in edge_receptors:
            chosen = edge_receptors.pop()
        projections.append(
            _add(network, pre, post, edges, sources, targets, weight, delay, default_delay, chosen)
        )
    return projections


def _add(network, pre, post, edges, sources, targets, weight, delay, default_delay, receptor):
    weights = np.empty(len(edges))
    delays = np.empty(len(edges))
    for k, (u, v, data) in enumerate(edges):
        if weight not in data:
            raise ValueError(f"graph: edge {u!r} -> {v!r} has no {weight!r} attribute")
        weights[k] = data[weight]
        delays[k] = data.get(delay, default_delay)
    if not np.all(np.isfinite(weights)):
        raise ValueError("graph: a weight is NaN or infinite")
    if sources.size and (sources.min() < 0 or sources.max() >= pre.n or targets.max() >= post.n):
        raise ValueError(f"graph: an index lies outside {pre.name!r} or {post.name!r}")
    csr = from_edges(targets, sources, weights, shape=(post.n, pre.n), delay=delays)
    return network._add_projection(pre, post, csr.with_delays(None), csr.delays, receptor, None)
