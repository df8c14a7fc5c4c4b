import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp

from neurodyn import graph
from neurodyn.distributions import Normal, Uniform


def test_orientation_rows_are_targets():
    g = nx.DiGraph()
    g.add_edge("a", "b", weight=2.0)  # a -> b
    g.add_edge("b", "c", weight=-1.0)
    csr = graph.from_networkx(g)
    dense = csr.to_dense()
    a, b, c = 0, 1, 2
    assert dense[b, a] == 2.0 and dense[a, b] == 0.0
    assert dense[c, b] == -1.0
    x = np.array([1.0, 0.0, 0.0])  # activity at a
    np.testing.assert_array_equal(dense @ x, [0.0, 2.0, 0.0])  # pulled by b


def test_networkx_round_trip_keeps_labels_weights_and_delays():
    g = nx.DiGraph()
    g.add_edge("x", "y", weight=0.5, delay=1.5)
    g.add_edge("y", "x", weight=-0.25, delay=2.0)
    g.add_edge("z", "z", weight=3.0, delay=0.1)
    csr = graph.from_networkx(g, delay="delay")
    assert csr.labels == ("x", "y", "z")
    back = csr.to_networkx()
    assert set(back.edges) == set(g.edges)
    for u, v, data in g.edges(data=True):
        assert back[u][v]["weight"] == data["weight"]
        assert back[u][v]["delay"] == data["delay"]


def test_undirected_graph_gives_both_directions():
    g = nx.path_graph(4)
    csr = graph.from_networkx(g, weight=None)
    dense = csr.to_dense()
    np.testing.assert_array_equal(dense, dense.T)
    assert csr.n_edges == 2 * g.number_of_edges()


def test_integer_labels_in_order_need_no_mapping():
    csr = graph.from_networkx(nx.cycle_graph(5, create_using=nx.DiGraph), weight=None)
    assert csr.labels is None
    assert csr.n_nodes == 5


def test_nodelist_sets_the_order():
    g = nx.DiGraph([("a", "b")])
    csr = graph.from_networkx(g, weight=None, nodelist=["b", "a"])
    assert csr.to_dense()[0, 1] == 1.0  # a (index 1) -> b (index 0)


@pytest.mark.parametrize(
    ("build", "kwargs", "error", "match"),
    [
        (lambda: nx.DiGraph([(0, 1)]), {}, ValueError, "no 'weight' attribute"),
        (lambda: nx.MultiDiGraph([(0, 1)]), {}, TypeError, "multigraph"),
        (lambda: nx.DiGraph(), {}, ValueError, "no nodes"),
        (
            lambda: nx.DiGraph([(0, 0, {"weight": 1.0})]),
            {"allow_self_loops": False},
            ValueError,
            "self-loop",
        ),
        (lambda: nx.DiGraph([(0, 1, {"weight": np.nan})]), {}, ValueError, "non-finite"),
        (lambda: nx.DiGraph([(0, 1, {"weight": 1.0})]), {"nodelist": [0]}, ValueError, "nodelist"),
    ],
)
def test_from_networkx_rejects_bad_graphs(build, kwargs, error, match):
    with pytest.raises(error, match=match):
        graph.from_networkx(build(), **kwargs)


def test_default_weight_fills_missing_attributes():
    csr = graph.from_networkx(nx.DiGraph([(0, 1)]), default_weight=0.5)
    assert csr.weights.tolist() == [0.5]


def test_csr_validation():
    with pytest.raises(ValueError, match="indices"):
        graph.CSRGraph(np.array([0, 1]), np.array([3]), np.array([1.0]))
    with pytest.raises(ValueError, match="weights"):
        graph.CSRGraph(np.array([0, 1]), np.array([0]), np.array([np.inf]))
    with pytest.raises(ValueError, match="delays"):
        graph.CSRGraph(np.array([0, 1]), np.array([0]), np.array([1.0]), delays=np.array([-1.0]))


def test_by_source_is_the_transpose_sharing_edge_ids(rng):
    csr = graph.erdos_renyi(40, 0.2, seed=1, weight=lambda r, n: r.normal(size=n))
    indptr, targets, edge_ids = csr.by_source()
    transposed = sp.csr_array((csr.weights[edge_ids], targets, indptr), shape=(40, 40)).toarray()
    np.testing.assert_array_equal(transposed, csr.to_dense().T)
    np.testing.assert_array_equal(np.diff(indptr), csr.out_degree())


def test_as_csr_accepts_dense_sparse_and_graphs(rng):
    dense = rng.normal(size=(5, 5)) * (rng.random((5, 5)) < 0.5)
    for form in (dense, sp.csr_matrix(dense), sp.coo_array(dense), graph.as_csr(dense)):
        np.testing.assert_array_equal(graph.as_csr(form).to_dense(), dense)
    with pytest.raises(TypeError, match="W"):
        graph.as_csr("not a matrix")


# --- generators ------------------------------------------------------------------
def test_erdos_renyi_density_and_no_self_loops():
    n, p = 2000, 0.05
    csr = graph.erdos_renyi(n, p, seed=0)
    expected = p * n * (n - 1)
    assert abs(csr.n_edges - expected) < 5 * np.sqrt(expected)
    assert not csr.has_self_loops()
    degrees = csr.in_degree()
    assert (
        abs(degrees.var() - p * (1 - p) * (n - 1)) < 0.15 * p * (1 - p) * n
    )  # binomial in-degrees


def test_erdos_renyi_is_reproducible_and_seed_dependent():
    a = graph.erdos_renyi(300, 0.1, seed=3)
    b = graph.erdos_renyi(300, 0.1, seed=3)
    c = graph.erdos_renyi(300, 0.1, seed=4)
    np.testing.assert_array_equal(a.indices, b.indices)
    assert a.n_edges != c.n_edges or np.any(a.indices != c.indices)


def test_weight_stream_does_not_change_structure():
    plain = graph.erdos_renyi(200, 0.1, seed=7)
    weighted = graph.erdos_renyi(200, 0.1, seed=7, weight=lambda r, n: r.normal(size=n))
    np.testing.assert_array_equal(plain.indices, weighted.indices)
    np.testing.assert_array_equal(plain.indptr, weighted.indptr)


def test_erdos_renyi_extremes_and_rectangles():
    assert graph.erdos_renyi(50, 0.0, seed=0).n_edges == 0
    full = graph.erdos_renyi(50, 1.0, seed=0)
    assert full.n_edges == 50 * 49
    rect = graph.erdos_renyi(30, 1.0, n_sources=20, seed=0)
    assert rect.shape == (30, 20) and rect.n_edges == 600


def test_fixed_in_degree_exact_distinct_and_uniform():
    n, k = 500, 50
    csr = graph.fixed_in_degree(n, k, seed=0)
    assert np.all(csr.in_degree() == k)
    rows = csr.indices.reshape(n, k)
    assert np.all(np.diff(rows, axis=1) > 0)  # sorted and distinct
    assert not csr.has_self_loops()
    # each of the other n - 1 targets picks a source with probability q = k / (n - 1),
    # so out-degrees are Binomial(n - 1, q): mean k, variance k (1 - q)
    out = csr.out_degree()
    q = k / (n - 1)
    assert out.mean() == k
    assert 0.8 * k * (1 - q) < out.var() < 1.2 * k * (1 - q)


def test_fixed_in_degree_rejects_impossible_degree():
    with pytest.raises(ValueError, match="k"):
        graph.fixed_in_degree(10, 10, seed=0)
    assert graph.fixed_in_degree(10, 10, seed=0, self_loops=True).n_edges == 100


def test_ring_and_lattice_match_networkx():
    ring = graph.ring(12, 4)
    reference = nx.watts_strogatz_graph(12, 4, 0.0)
    assert set(map(tuple, np.argwhere(ring.to_dense()))) == {
        (v, u) for u, v in reference.to_directed().edges
    }
    cycle = graph.ring(6, 1, directed=True)
    np.testing.assert_array_equal(cycle.to_dense(), np.roll(np.eye(6), 1, axis=0))
    for periodic in (False, True):
        grid = graph.lattice(4, 5, periodic=periodic)
        expected = nx.grid_2d_graph(4, 5, periodic=periodic)
        expected = nx.convert_node_labels_to_integers(expected, ordering="sorted")
        np.testing.assert_array_equal(
            grid.to_dense(), nx.to_numpy_array(expected, nodelist=range(20))
        )


def test_watts_strogatz_structure_and_small_world_statistics():
    n, k = 1000, 10
    lattice = graph.watts_strogatz(n, k, 0.0, seed=0)
    np.testing.assert_array_equal(lattice.to_dense(), graph.ring(n, k).to_dense())
    small_world = graph.watts_strogatz(n, k, 0.1, seed=0)
    dense = small_world.to_dense()
    np.testing.assert_array_equal(dense, dense.T)
    assert small_world.n_edges == n * k  # rewiring keeps the number of edges
    assert not small_world.has_self_loops() and dense.max() == 1.0  # no duplicates
    ours = nx.average_clustering(nx.from_numpy_array(dense))
    theirs = np.mean(
        [nx.average_clustering(nx.watts_strogatz_graph(n, k, 0.1, seed=s)) for s in range(3)]
    )
    assert abs(ours - theirs) < 0.03  # ~0.49 for these parameters


def test_barabasi_albert_matches_networkx_statistics():
    n, m = 2000, 3
    csr = graph.barabasi_albert(n, m, seed=0)
    reference = nx.barabasi_albert_graph(n, m, seed=0)
    assert csr.n_edges == 2 * reference.number_of_edges()
    dense = csr.to_dense()
    np.testing.assert_array_equal(dense, dense.T)
    degrees = csr.in_degree()
    assert degrees.min() >= 1
    # heavy tail: the largest hub is far above the mean degree, as in networkx's graph
    assert degrees.max() > 8 * degrees.mean()
    ref_max = max(d for _, d in reference.degree())
    assert 0.4 * ref_max < degrees.max() < 2.5 * ref_max


# --- spectral radius -----------------------------------------------------------------
def test_spectral_radius_dense_and_arpack_agree(rng):
    n = 800
    csr = graph.erdos_renyi(n, 0.02, seed=2, weight=lambda r, size: r.normal(size=size))
    exact = np.max(np.abs(np.linalg.eigvals(csr.to_dense())))
    assert graph.spectral_radius(csr) == pytest.approx(exact, rel=1e-7)  # ARPACK path
    assert graph.spectral_radius(csr, dense_below=10_000) == pytest.approx(exact, rel=1e-12)
    assert graph.spectral_radius(csr) == graph.spectral_radius(csr)  # fixed start vector


def test_spectral_radius_analytic_cases():
    assert graph.spectral_radius(graph.ring(300, 1, directed=True, weight=0.7)) == pytest.approx(
        0.7
    )
    assert graph.spectral_radius(np.zeros((3, 3))) == 0.0
    assert graph.spectral_radius(np.diag([0.5, -2.0, 1.0])) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="rectangular"):
        graph.spectral_radius(np.ones((2, 3)))


def test_spectral_radius_falls_back_when_arpack_fails():
    # all 600 eigenvalues of a weighted cycle share one modulus: ARPACK cannot single one out
    cycle = graph.ring(600, 1, directed=True, weight=0.7)
    with pytest.warns(RuntimeWarning, match="ARPACK did not converge"):
        assert graph.spectral_radius(cycle, maxiter=50) == pytest.approx(0.7)


# --- the by-source view and delays ------------------------------------------------------------
def test_by_source_is_cached_read_only_and_indexes_the_canonical_weights():
    csr = graph.erdos_renyi(50, 0.1, seed=3, weight=lambda r, s: r.normal(size=s))
    view = csr.by_source()
    assert csr.by_source() is view  # computed once
    indptr, targets, edge_ids = view
    assert not any(array.flags.writeable for array in view)
    csr.weights[edge_ids[:5]] = 7.0  # a learning rule writes the canonical array...
    sources = np.repeat(np.arange(50), np.diff(indptr))
    dense = csr.to_dense()
    np.testing.assert_array_equal(dense[targets, sources], csr.weights[edge_ids])  # ...seen here


@pytest.mark.parametrize(
    "make",
    [
        lambda **kw: graph.erdos_renyi(60, 0.1, seed=1, **kw),
        lambda **kw: graph.fixed_in_degree(60, 5, seed=1, **kw),
        lambda **kw: graph.ring(60, 4, **kw),
        lambda **kw: graph.lattice(6, 10, **kw),
        lambda **kw: graph.watts_strogatz(60, 4, 0.2, seed=1, **kw),
        lambda **kw: graph.barabasi_albert(60, 2, seed=1, **kw),
    ],
)
def test_generators_take_delays(make):
    plain = make()
    assert plain.delays is None
    constant = make(delay=1.5)
    np.testing.assert_array_equal(constant.delays, np.full(constant.n_edges, 1.5))
    random = make(delay=Uniform(1.0, 3.0))
    assert random.delays.min() >= 1.0 and random.delays.max() < 3.0
    np.testing.assert_array_equal(random.indices, plain.indices)  # delays never move edges
    np.testing.assert_array_equal(random.weights, plain.weights)


def test_delays_of_an_undirected_edge_are_shared():
    ring = graph.ring(20, 2, delay=Uniform(1.0, 5.0), seed=4)
    delays = {
        (int(u), int(v)): d
        for u, v, d in zip(ring.indices, ring.targets(), ring.delays, strict=True)
    }
    assert all(delays[(u, v)] == delays[(v, u)] for u, v in delays)


def test_edges_and_networkx_take_delays(rng):
    edges = graph.from_edges(
        [1, 2, 0], [0, 1, 2], [0.5, 0.25, 1.0], shape=(3, 3), delay=[1.0, 2.0, 3.0]
    )
    np.testing.assert_array_equal(
        edges.delays, [3.0, 1.0, 2.0]
    )  # sorted with the edges (by target)
    g = nx.DiGraph([(0, 1), (1, 2)])
    assert np.all(graph.from_networkx(g, weight=None, delay=0.8).delays == 0.8)
    drawn = graph.from_networkx(g, weight=None, delay=Normal(2.0, 0.1), seed=0)
    again = graph.from_networkx(g, weight=None, delay=Normal(2.0, 0.1), seed=0)
    np.testing.assert_array_equal(drawn.delays, again.delays)
    with pytest.raises(ValueError, match=r"from_edges.delay: expected a number or 3 values"):
        graph.from_edges([1, 2, 0], [0, 1, 2], shape=(3, 3), delay=[1.0, 2.0])


def test_delay_steps_rounds_to_the_grid_and_rejects_sub_step_delays():
    np.testing.assert_array_equal(graph.delay_steps([0.1, 0.3, 1.5, 2.04], 0.1), [1, 3, 15, 20])
    with pytest.raises(ValueError, match=r"delay: 1 delay\(s\) are shorter than dt = 0.1 ms"):
        graph.delay_steps([0.05, 1.0], 0.1)
    with pytest.raises(ValueError, match=r"syn.delay: delays must be >= 0"):
        graph.delay_steps([-1.0], 0.1, name="syn.delay")
    with pytest.raises(ValueError, match="dt"):
        graph.delay_steps([1.0], 0.0)
