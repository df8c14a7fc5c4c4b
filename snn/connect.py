"""Connection rules: which pre → post pairs a projection holds, as a CSR graph (rows are the
post-synaptic neurons, columns the pre-synaptic units), with weights and delays.

The rules are NEST's, drawn straight into CSR by :mod:`neurodyn.topology`:

* ``p=...`` (``pairwise_bernoulli``): every pair independently with probability p;
* ``indegree=K`` (``fixed_indegree``): every post neuron gets K distinct pre units;
* ``rule="one_to_one"``: pre i → post i (equal sizes);
* ``rule="all_to_all"``: every pair.

``autapses=False`` removes i → i when pre and post are the same population.
Multapses (two synapses between one pair) are never drawn (NEST allows them by
default for ``fixed_indegree``; with K much smaller than the pre population the
difference is negligible).
"""

from __future__ import annotations

import numpy as np

from neurodyn import topology
from neurodyn._validation import check_choice, check_float, check_int
from neurodyn.distributions import sample
from neurodyn.graph import CSRGraph
from neurodyn.random import spawn

RULES = ("pairwise_bernoulli", "fixed_indegree", "one_to_one", "all_to_all")


def resolve_rule(rule: str | None, p, indegree) -> tuple[str, float | int | None]:
    """The rule and its parameter from ``connect``'s keywords, checked."""
    given = [name for name, value in (("p", p), ("indegree", indegree)) if value is not None]
    if len(given) > 1:
        raise ValueError("connect: give one of p= and indegree=, not both")
    if rule is None:
        if not given:
            raise ValueError(
                "connect: give p= (pairwise_bernoulli), indegree= (fixed_indegree) or "
                "rule='one_to_one' / 'all_to_all'"
            )
        rule = "pairwise_bernoulli" if given[0] == "p" else "fixed_indegree"
    check_choice(rule, "rule", RULES, owner="connect")
    if rule == "pairwise_bernoulli":
        if p is None:
            raise ValueError("connect.p: rule 'pairwise_bernoulli' needs p=")
        return rule, check_float(p, "p", low=0.0, high=1.0, owner="connect")
    if rule == "fixed_indegree":
        if indegree is None:
            raise ValueError("connect.indegree: rule 'fixed_indegree' needs indegree=")
        return rule, check_int(indegree, "indegree", low=0, owner="connect")
    if given:
        raise ValueError(f"connect: rule {rule!r} takes neither p= nor indegree=")
    return rule, None


def build(rule, parameter, n_pre, n_post, same_population, autapses, weight, delay, seed):
    """The projection's graph and delays: ``rule`` with ``parameter`` between ``n_pre`` and
    ``n_post`` units.

    ``weight`` and ``delay`` (ms) are a number, one value per synapse (in the
    graph's order: by post neuron, then pre unit) or a distribution. Returns the
    graph (with its weights, no delays) and the delays: one float when ``delay``
    is a number (Brunel's 15.6 M synapses then carry no per-synapse delay), else
    one per synapse.
    """
    structure_seed, weight_rng, delay_rng = spawn(seed, 3)
    square = same_population
    loops = autapses or not square
    if rule == "pairwise_bernoulli":
        graph = topology.erdos_renyi(
            n_post,
            parameter,
            n_sources=None if square else n_pre,
            self_loops=loops,
            seed=structure_seed,
        )
    elif rule == "fixed_indegree":
        available = n_pre - (0 if loops else 1)
        if parameter > available:
            raise ValueError(
                f"connect.indegree: at most {available} distinct pre-synaptic units "
                f"(got {parameter})"
            )
        graph = topology.fixed_in_degree(
            n_post,
            parameter,
            n_sources=None if square else n_pre,
            self_loops=loops,
            seed=structure_seed,
        )
    elif rule == "one_to_one":
        if n_pre != n_post:
            raise ValueError(f"connect: one_to_one needs equal sizes (got {n_pre} and {n_post})")
        if square and not autapses:
            raise ValueError("connect: one_to_one within a population with autapses=False is empty")
        graph = CSRGraph(np.arange(n_post + 1), np.arange(n_post), np.ones(n_post), n_sources=n_pre)
    else:
        per_row = n_pre if loops else n_pre - 1
        sources = np.tile(np.arange(n_pre, dtype=np.int32), n_post)
        if not loops:
            sources = sources.reshape(n_post, n_pre)
            keep = sources != np.arange(n_post)[:, None]
            sources = sources[keep]
        indptr = np.arange(0, n_post * per_row + 1, per_row, dtype=np.int64)
        graph = CSRGraph(indptr, sources, np.ones(sources.size), n_sources=n_pre)
    n_edges = graph.n_edges
    weights = sample(weight, n_edges, weight_rng, "connect.weight")
    if np.ndim(delay) == 0 and not callable(delay):
        delays = check_float(delay, "delay", low=0.0, owner="connect")
    else:
        delays = sample(delay, n_edges, delay_rng, "connect.delay")
    return CSRGraph(graph.indptr, graph.indices, weights, None, n_pre), delays
