"""Temporal-correlation discovery in paths: multi-order Markov models (Scholtes, KDD 2017).

The work cited for "TCDN" (I. Scholtes, *When is a Network a Network? Multi-Order
Graphical Model Selection in Pathways and Temporal Networks*, KDD 2017,
doi:10.1145/3097983.3098145) is **not a recurrent neural network**: it detects memory —
correlations in time — in observed paths (click streams, itineraries, causal paths) by
combining Markov chains of orders 0..K into one model and choosing K with likelihood-ratio
tests. This module follows the method as the reference software (pathpy 2) implements it:

* layer k (k >= 1) is a k-th order Markov chain: the next node given the previous k, with
  transition probabilities the frequency ratios of all sub-paths of length k of the
  observed paths; layer 0 is the frequency of nodes;
* the multi-order likelihood of a path (v_0, ..., v_l) with l >= K is
  P_0(v_0) · Π_{k<K} P_k(v_k | v_0..v_{k-1}) · Π_{t>=K} P_K(v_t | v_{t-K}..v_{t-1});
  shorter paths use the layers up to their length;
* degrees of freedom ("paths" assumption, constrained to the first-order topology with
  binary adjacency A): |V| - 1 for layer 0, and sum(A^k) - (number of nonzero rows of A^k)
  for layer k;
* the test of order K against K - 1: x = -2 (log L_{K-1} - log L_K) against a χ²
  distribution with dof(K) - dof(K-1) degrees of freedom; ``estimate_order`` returns the
  largest K accepted before the first rejected one (at least 1).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence

import networkx as nx
import numpy as np
from scipy import sparse, stats

from neurodyn._validation import check_choice, check_float, check_int

__all__ = ["MultiOrderModel"]


class MultiOrderModel:
    """Markov chains of orders 0..``max_order`` fitted to ``paths``.

    Parameters
    ----------
    paths : iterable of sequences of hashable node labels (a path may repeat; ``counts``
        gives each one's frequency instead).
    max_order : the highest order K modelled (>= 1).
    counts : optional frequency of each path.
    graph : an optional networkx DiGraph whose edges define the first-order topology used
        for the degrees of freedom (default: the edges seen in the paths).
    """

    def __init__(
        self,
        paths: Iterable[Sequence[Hashable]],
        max_order: int,
        *,
        counts: Iterable[float] | None = None,
        graph: nx.DiGraph | None = None,
    ) -> None:
        self.max_order = check_int(max_order, "max_order", low=1, owner="MultiOrderModel")
        paths = [tuple(path) for path in paths]
        weights = [1.0] * len(paths) if counts is None else [float(c) for c in counts]
        if len(weights) != len(paths):
            raise ValueError(
                f"MultiOrderModel.counts: expected one per path ({len(paths)}, got {len(weights)})"
            )
        if not paths or any(len(path) == 0 for path in paths):
            raise ValueError("MultiOrderModel.paths: expected non-empty paths")
        self.paths = Counter()
        for path, weight in zip(paths, weights, strict=True):
            self.paths[path] += weight
        nodes = {v for path in self.paths for v in path}
        if graph is not None:
            nodes |= set(graph.nodes)
        self.nodes = sorted(nodes, key=repr)
        self._transitions = [self._count_layer(k) for k in range(self.max_order + 1)]
        self.graph = graph if graph is not None else self._observed_graph()

    @classmethod
    def from_series(cls, series: Sequence[Hashable], max_order: int) -> MultiOrderModel:
        """One path: a categorical time series (a stream of symbols)."""
        return cls([list(series)], max_order)

    # --- counting -----------------------------------------------------------------------
    def _count_layer(self, k: int) -> dict:
        """Layer k as {prefix (k nodes): Counter(next node)}; layer 0 has the prefix ()."""
        table: dict = {}
        for path, weight in self.paths.items():
            for t in range(k, len(path)):
                table.setdefault(path[t - k : t], Counter())[path[t]] += weight
        return table

    def _observed_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(self.nodes)
        graph.add_edges_from((prefix[0], w) for prefix, nxt in self._transitions[1].items()
                             for w in nxt)  # fmt: skip
        return graph

    def probability(self, k: int, prefix: tuple, node: Hashable) -> float:
        """P_k(node | prefix): the layer-k transition probability (layer 0: prefix ())."""
        following = self._transitions[k].get(tuple(prefix))
        if not following:
            return 0.0
        return following[node] / sum(following.values())

    # --- likelihood and test ------------------------------------------------------------
    def log_likelihood(self, order: int) -> float:
        """log L of the observed paths (with their frequencies) under the multi-order model
        of maximum order ``order`` (natural logarithm)."""
        order = check_int(order, "order", low=0, owner="MultiOrderModel")
        if order > self.max_order:
            raise ValueError(f"MultiOrderModel.order: at most max_order = {self.max_order}")
        total = 0.0
        for path, weight in self.paths.items():
            value = 0.0
            for t in range(len(path)):
                k = min(t, order)
                value += math.log(self.probability(k, path[t - k : t], path[t]))
            total += weight * value
        return total

    def degrees_of_freedom(self, order: int, assumption: str = "paths") -> int:
        """Degrees of freedom of the multi-order model up to ``order``: Σ_k dof_k, with
        dof_0 = |V| - 1 and dof_k = sum(A^k) - nonzero rows of A^k (``"paths"``) or
        |V|^k (|V| - 1) (``"ngrams"``)."""
        check_choice(assumption, "assumption", ("paths", "ngrams"), owner="MultiOrderModel")
        n = len(self.nodes)
        total = n - 1
        if assumption == "ngrams":
            return total + sum(n**k * (n - 1) for k in range(1, order + 1))
        adjacency = sparse.csr_array(
            nx.to_scipy_sparse_array(self.graph, nodelist=self.nodes, weight=None, format="csr")
            != 0,
            dtype=np.float64,
        )
        power = adjacency.copy()
        for k in range(1, order + 1):
            if k > 1:
                power = power @ adjacency
            rows = np.asarray(power.sum(axis=1)).ravel()
            total += round(float(power.sum())) - int(np.count_nonzero(rows))
        return total

    def likelihood_ratio_test(self, order: int, assumption: str = "paths") -> tuple:
        """Order ``order`` against ``order - 1``: (x, degrees of freedom, p-value), x =
        -2 (log L_{order-1} - log L_order) against χ² with dof(order) - dof(order - 1)."""
        order = check_int(order, "order", low=1, owner="MultiOrderModel")
        x = -2.0 * (self.log_likelihood(order - 1) - self.log_likelihood(order))
        dof = self.degrees_of_freedom(order, assumption) - self.degrees_of_freedom(
            order - 1, assumption
        )
        x = x if x > 0.0 else 0.0  # -0, and rounding below zero
        p = float(stats.chi2.sf(x, dof)) if dof > 0 else 1.0
        return x, dof, p

    def estimate_order(self, alpha: float = 0.01, assumption: str = "paths") -> int:
        """The largest order K <= max_order such that every order 2..K is accepted against
        the one below at level ``alpha`` (at least 1)."""
        alpha = check_float(
            alpha, "alpha", low=0.0, low_open=True, high=1.0, owner="MultiOrderModel"
        )
        order = 1
        for k in range(2, self.max_order + 1):
            if self.likelihood_ratio_test(k, assumption)[2] >= alpha:
                break
            order = k
        return order

    # --- export ------------------------------------------------------------------------
    def higher_order_graph(self, k: int) -> nx.DiGraph:
        """Layer k as a De Bruijn-style networkx DiGraph: nodes are k-tuples of nodes, an
        edge (v_1..v_k) → (v_2..v_{k+1}) for each observed sub-path, with its ``count``
        and transition ``probability``."""
        k = check_int(k, "k", low=1, owner="MultiOrderModel")
        if k > self.max_order:
            raise ValueError(f"MultiOrderModel.k: at most max_order = {self.max_order}")
        graph = nx.DiGraph()
        for prefix, following in self._transitions[k].items():
            total = sum(following.values())
            for node, count in following.items():
                graph.add_edge(prefix, (*prefix[1:], node), count=count, probability=count / total)
        return graph
