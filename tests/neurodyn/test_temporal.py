"""Multi-order models (Scholtes 2017) against the golden values computed with pathpy 2.2.0
(REFERENCES section 8), a planted memory of order 1, 2 and 3, and the false detections of
the test on first-order data."""

import numpy as np
import pytest

from neurodyn.tasks import planted_memory_paths
from neurodyn.temporal import MultiOrderModel

PATHS = [("a", "c", "d"), ("a", "c", "e"), ("b", "c", "d"), ("b", "c", "e")]


@pytest.mark.parametrize(
    ("counts", "x", "p", "order", "order_at_015"),
    [
        ((6, 2, 2, 6), 4.185985, np.exp(-4.185985 / 2), 1, 2),  # p = exp(-x/2) at dof 2
        ((7, 1, 1, 7), 10.124065, np.exp(-10.124065 / 2), 2, 2),
        ((5, 5, 5, 5), 0.0, 1.0, 1, 1),
        ((10, 0, 0, 10), 40 * np.log(2), 2.0**-20, 2, 2),
    ],
)
def test_the_golden_table(counts, x, p, order, order_at_015):
    kept = [(path, c) for path, c in zip(PATHS, counts, strict=True) if c]
    model = MultiOrderModel([path for path, _ in kept], 2, counts=[c for _, c in kept])
    statistic, dof, p_value = model.likelihood_ratio_test(2)
    assert statistic == pytest.approx(x, abs=1e-6) and dof == 2
    assert p_value == pytest.approx(p, rel=1e-6)
    assert model.estimate_order(0.01) == order and model.estimate_order(0.15) == order_at_015
    assert model.degrees_of_freedom(1) - model.degrees_of_freedom(0) == 1


def _planted(order: int, n_paths: int, length: int, seed: int) -> list:
    return planted_memory_paths(order, n_paths, length=length, seed=seed)


@pytest.mark.parametrize("order", [1, 2, 3])
def test_a_planted_memory_is_recovered(order):
    for seed in range(2):
        model = MultiOrderModel(_planted(order, 2000, 8, seed), 4)
        assert model.estimate_order(0.01) == order


def test_first_order_data_are_rarely_taken_for_memory():
    """Measured: 0 false detections in 200 data sets at alpha = 0.01. The test is
    conservative: pathpy's degrees of freedom count every (k-1)-path that can be continued
    as one constraint per start node, more free parameters than a first-order chain uses."""
    detections = sum(
        MultiOrderModel(_planted(1, 300, 6, 100 + s), 2).estimate_order(0.01) > 1
        for s in range(200)
    )
    assert detections <= 4  # 2 alpha


def test_graphs_series_and_exports():
    model = MultiOrderModel.from_series(list("abcabcabd"), 2)
    assert model.probability(1, ("a",), "b") == 1.0
    assert model.probability(2, ("a", "b"), "c") == pytest.approx(2 / 3)
    second = model.higher_order_graph(2)
    assert second.edges[("a", "b"), ("b", "c")]["count"] == 2
    assert second.edges[("a", "b"), ("b", "d")]["probability"] == pytest.approx(1 / 3)
    import networkx as nx

    topology = nx.DiGraph([("a", "c"), ("b", "c"), ("c", "d"), ("c", "e"), ("d", "a")])
    with_graph = MultiOrderModel(PATHS, 2, graph=topology)
    assert with_graph.degrees_of_freedom(1) - with_graph.degrees_of_freedom(0) == 5 - 4
    assert with_graph.degrees_of_freedom(2, "ngrams") == 4 + 5 * 4 + 25 * 4


def test_errors_name_the_argument():
    with pytest.raises(ValueError, match="max_order"):
        MultiOrderModel(PATHS, 0)
    with pytest.raises(ValueError, match="counts"):
        MultiOrderModel(PATHS, 2, counts=[1, 2])
    with pytest.raises(ValueError, match="order"):
        MultiOrderModel(PATHS, 2).log_likelihood(3)


def test_agrees_with_pathpy_when_installed():
    """pathpy 2.2.0 (the reference implementation) on the same planted order-2 paths:
    equal log-likelihoods at every order (measured: to the last digit) and orders."""
    pathpy = pytest.importorskip("pathpy")
    planted = [[str(v) for v in path] for path in _planted(2, 300, 6, 0)]
    theirs_paths = pathpy.Paths()
    for path in planted:
        theirs_paths.add_path(tuple(path))
    theirs = pathpy.MultiOrderModel(theirs_paths, max_order=3)
    ours = MultiOrderModel(planted, 3)
    for k in (1, 2, 3):
        expected = theirs.likelihood(theirs_paths, log=True, max_order=k)
        assert ours.log_likelihood(k) == pytest.approx(expected, rel=1e-12)
    assert ours.estimate_order() == theirs.estimate_order(theirs_paths) == 2
