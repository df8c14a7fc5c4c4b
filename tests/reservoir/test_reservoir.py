import networkx as nx
import numpy as np
import pytest

from neurodyn import graph, metrics, tasks
from neurodyn.errors import SimulationError
from reservoir import Reservoir, Ridge


def numpy_states(res: Reservoir, inputs, start=None):
    W = res.W.toarray() if hasattr(res.W, "toarray") else res.W
    x = np.zeros(res.n_units) if start is None else start
    out = []
    for u in inputs:
        x = (1 - res.leak_rate) * x + res.leak_rate * np.tanh(W @ x + res.W_in @ u + res.bias)
        out.append(x)
    return np.array(out)


@pytest.mark.parametrize("sparse", [True, False])
def test_states_match_numpy_reference(rng, sparse):
    res = Reservoir(
        80, spectral_radius=0.95, leak_rate=0.3, bias_scaling=0.2, sparse=sparse, seed=1
    )
    inputs = rng.uniform(-1, 1, (200, 3))
    states = res.run(inputs)
    assert states.shape == (200, 80)
    np.testing.assert_allclose(states, numpy_states(res, inputs), rtol=1e-12, atol=1e-14)


def test_generated_weights_follow_the_parameters():
    res = Reservoir(
        400,
        spectral_radius=0.8,
        density=0.05,
        input_density=0.5,
        input_scaling=0.3,
        bias_scaling=0.1,
        n_inputs=2,
        seed=0,
    )
    assert graph.spectral_radius(res.W_graph) == pytest.approx(0.8, rel=1e-8)
    assert abs(res.W_graph.density - 0.05) < 0.005
    assert not res.W_graph.has_self_loops()
    assert abs(np.mean(res.W_in != 0) - 0.5) < 0.05
    assert np.abs(res.W_in).max() <= 0.3 and np.abs(res.bias).max() <= 0.1
    per_input = Reservoir(50, input_scaling=[1.0, 0.0], n_inputs=2, seed=0)
    assert np.all(per_input.W_in[:, 1] == 0)


def test_runs_continue_from_the_current_state(rng):
    res = Reservoir(60, leak_rate=0.5, seed=0)
    inputs = rng.normal(size=(100, 1))
    whole = res.run(inputs)
    res.reset()
    halves = np.vstack([res.run(inputs[:40]), res.run(inputs[40:])])
    np.testing.assert_array_equal(whole, halves)
    np.testing.assert_array_equal(res.state, whole[-1])
    np.testing.assert_array_equal(res.run(inputs, reset=True), whole)


def test_state_can_be_read_and_set(rng):
    res = Reservoir(20, seed=0)
    res.run(rng.normal(size=(10, 1)))
    saved = res.state
    after = res.run(rng.normal(size=(5, 1)))
    res.state = saved
    np.testing.assert_array_equal(res.state, saved)
    with pytest.raises(ValueError, match="state"):
        res.state = np.zeros(3)
    assert after.shape == (5, 20)


def test_lists_and_batches_start_from_the_current_state(rng):
    res = Reservoir(40, leak_rate=0.4, seed=2)
    sequences = [rng.normal(size=(30, 2)) for _ in range(4)]
    res.run(rng.normal(size=(10, 2)))
    start = res.state
    listed = res.run(sequences)
    res.state = start
    batched = res.run(np.stack(sequences))
    assert batched.shape == (4, 30, 40)
    for k, sequence in enumerate(sequences):
        expected = numpy_states(res, sequence, start)
        np.testing.assert_allclose(listed[k], expected, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(batched[k], expected, rtol=1e-12, atol=1e-14)
    np.testing.assert_array_equal(res.state, batched[-1, -1])


def test_lists_may_have_different_lengths(rng):
    res = Reservoir(10, seed=0)
    states = res.run([rng.normal(size=(5, 1)), rng.normal(size=(9, 1))])
    assert [s.shape for s in states] == [(5, 10), (9, 10)]


def test_same_seed_is_bit_identical_and_components_are_independent(rng):
    inputs = rng.normal(size=(50, 1))
    a = Reservoir(50, seed=7, noise=0.01).run(inputs)
    b = Reservoir(50, seed=7, noise=0.01).run(inputs)
    np.testing.assert_array_equal(a, b)
    base = Reservoir(50, seed=7, n_inputs=1)
    other_inputs = Reservoir(50, seed=7, n_inputs=1, input_scaling=0.5, bias_scaling=0.3)
    np.testing.assert_array_equal(base.W_graph.weights, other_inputs.W_graph.weights)
    np.testing.assert_allclose(other_inputs.W_in, 0.5 * base.W_in)


def test_noise_can_be_switched_off(rng):
    res = Reservoir(30, noise=0.1, input_noise=0.1, seed=0)
    inputs = rng.normal(size=(20, 1))
    clean = Reservoir(30, seed=0).run(inputs)
    np.testing.assert_array_equal(res.run(inputs, with_noise=False), clean)
    assert np.abs(res.run(inputs, reset=True) - clean).max() > 1e-3


def test_graph_and_weight_inputs(rng):
    topology = nx.watts_strogatz_graph(50, 4, 0.1, seed=0)
    res = Reservoir(graph=topology, spectral_radius=1.1, seed=0)
    structure = graph.from_networkx(topology, weight=None)
    np.testing.assert_array_equal(res.W_graph.indices, structure.indices)
    assert graph.spectral_radius(res.W_graph) == pytest.approx(1.1)
    W = rng.normal(size=(30, 30)) * 0.1
    as_given = Reservoir(W=W, W_in=np.ones((30, 1)), bias=np.zeros(30))
    np.testing.assert_array_equal(as_given.W_graph.to_dense(), W)  # no rescaling of a W you pass
    rescaled = Reservoir(W=W, spectral_radius=0.5, n_inputs=1)
    assert graph.spectral_radius(rescaled.W_graph) == pytest.approx(0.5)


def test_float32_follows_float64(rng):
    inputs = rng.uniform(-1, 1, (300, 1))
    double = Reservoir(200, leak_rate=0.3, seed=0).run(inputs)
    single = Reservoir(200, leak_rate=0.3, seed=0, dtype=np.float32).run(inputs)
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, double, atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"n_units": 10, "spectral_radius": 0.0}, ValueError, "spectral_radius"),
        ({"n_units": 10, "spectral_radius": -1.0}, ValueError, "spectral_radius"),
        ({"n_units": 10, "leak_rate": 0.0}, ValueError, "leak_rate"),
        ({"n_units": 10, "leak_rate": 1.5}, ValueError, "leak_rate"),
        ({"n_units": 10, "density": 0.0}, ValueError, "density"),
        ({"n_units": 0}, ValueError, "n_units"),
        ({}, ValueError, "n_units"),
        ({"n_units": 10, "activation": "softsign"}, ValueError, "activation"),
        ({"graph": nx.empty_graph(5)}, ValueError, "spectral radius 0"),
        ({"W": np.ones((3, 4))}, ValueError, "square"),
        ({"W": np.full((3, 3), np.nan)}, ValueError, "NaN"),
        ({"n_units": 10, "dtype": np.int32}, TypeError, "dtype"),
        ({"n_units": 10, "seed": "x"}, TypeError, "seed"),
    ],
)
def test_bad_parameters(kwargs, error, match):
    with pytest.raises(error, match=match):
        Reservoir(**kwargs)


def test_bad_inputs(rng):
    res = Reservoir(10, n_inputs=2, seed=0)
    with pytest.raises(ValueError, match="1-d"):
        res.run(np.zeros(5))
    with pytest.raises(ValueError, match="2 features"):
        res.run(np.zeros((5, 3)))
    bad = np.zeros((5, 2))
    bad[3, 1] = np.nan
    with pytest.raises(ValueError, match=r"NaN .*index \(3, 1\)"):
        res.run(bad)
    with pytest.raises(ValueError, match="feedback"):
        res.run(np.zeros((5, 2)), feedback=np.zeros((5, 1)))


def test_divergence_raises_with_the_step():
    res = Reservoir(50, spectral_radius=3.0, density=0.5, activation="identity", seed=0)
    with pytest.raises(SimulationError, match="step"):
        res.run(np.ones((5000, 1)))


def test_save_and_load_round_trip(tmp_path, rng):
    res = Reservoir(40, leak_rate=0.2, bias_scaling=0.5, seed=3)
    inputs = rng.normal(size=(30, 1))
    res.run(inputs)
    loaded = Reservoir.load(res.save(tmp_path / "res"))
    np.testing.assert_array_equal(loaded.state, res.state)
    np.testing.assert_array_equal(loaded.run(inputs), res.run(inputs))


# --- memory capacity (Jaeger 2002; REFERENCES.md section 6) ---------------------------------
def memory_capacity(activation, n, fit):
    res = Reservoir(
        n, spectral_radius=0.9, density=1.0, input_scaling=0.1, activation=activation, seed=0
    )
    u, targets = tasks.memory_capacity(20_000, 4 * n, seed=1)
    states = res.run(u)
    train, test = slice(1000, 10_000), slice(10_000, None)
    return metrics.memory_capacity(targets[test], fit(states[train], targets[train])(states[test]))


def ridge_fit(states, targets):
    return Ridge(1e-12).fit(states, targets).predict


def least_squares_fit(states, targets):
    # QR-based least squares: the Krylov states of a linear reservoir are too ill-conditioned
    # for normal equations beyond N ~ 30 (Ballarin et al. 2023)
    design = np.hstack([states, np.ones((states.shape[0], 1))])
    coef = np.linalg.lstsq(design, targets, rcond=None)[0]
    return lambda s: np.hstack([s, np.ones((s.shape[0], 1))]) @ coef


@pytest.mark.parametrize(("n", "fit"), [(20, ridge_fit), (30, ridge_fit), (50, least_squares_fit)])
def test_linear_memory_capacity_approaches_n(n, fit):
    capacity = memory_capacity("identity", n, fit)
    assert 0.85 * n <= capacity <= n + 0.5


def test_tanh_memory_capacity_is_lower_than_linear():
    linear = memory_capacity("identity", 20, ridge_fit)
    nonlinear = memory_capacity("tanh", 20, ridge_fit)
    assert 0.25 * 20 < nonlinear < linear


@pytest.fixture
def kernel_calls(monkeypatch):
    """Counts the calls of every reservoir kernel, so a test knows which one ran."""
    from reservoir import _kernels

    calls = {}
    for name in ("run", "run_parallel", "run_batch", "run_batch_parallel"):
        kernel = getattr(_kernels, name)

        def counted(*args, _kernel=kernel, _name=name):
            calls[_name] = calls.get(_name, 0) + 1
            return _kernel(*args)

        monkeypatch.setattr(_kernels, name, counted)
    return calls


@pytest.mark.parametrize(
    ("sparse", "batch", "threaded"),
    [
        (True, None, "run_parallel"),
        (True, 4, "run_batch_parallel"),
        (False, 4, "run_batch_parallel"),
    ],
)
def test_threaded_kernels_are_bit_identical_to_the_serial_ones(
    rng, kernel_calls, sparse, batch, threaded
):
    import numba

    if numba.get_num_threads() < 2:
        pytest.skip("needs two threads to run the threaded kernels in parallel")
    shape = (60, 1) if batch is None else (batch, 60, 1)
    inputs = rng.normal(size=shape)
    options = {"density": 0.2, "sparse": sparse, "leak_rate": 0.4, "bias_scaling": 0.1, "seed": 4}
    serial = Reservoir(300, parallel=False, **options).run(inputs)
    assert kernel_calls.pop(threaded, 0) == 0
    parallel = Reservoir(300, parallel=True, **options).run(inputs)
    assert kernel_calls[threaded] >= 1  # the threaded kernel really ran
    np.testing.assert_array_equal(parallel, serial)


def test_dense_single_sequences_stay_on_blas(rng, kernel_calls):
    """A dense W driven by one sequence always runs the serial kernel (BLAS threads itself;
    Numba's own product would sum in another order)."""
    Reservoir(100, sparse=False, parallel=True, seed=0).run(rng.normal(size=(20, 1)))
    assert kernel_calls == {"run": 1}


def test_seed_sequence_gives_the_same_network_every_time():
    sequence = np.random.SeedSequence(1)
    first = Reservoir(20, seed=sequence, n_inputs=1)
    second = Reservoir(20, seed=sequence, n_inputs=1)
    np.testing.assert_array_equal(first.W_graph.weights, second.W_graph.weights)
    np.testing.assert_array_equal(first.W_in, second.W_in)


def test_load_accepts_the_name_given_to_save(tmp_path):
    res = Reservoir(10, n_inputs=1, seed=0)
    res.save(tmp_path / "res")
    np.testing.assert_array_equal(Reservoir.load(tmp_path / "res").W_in, res.W_in)


def test_a_state_monitor_follows_consecutive_runs(rng):
    res = Reservoir(30, seed=0, n_inputs=1)
    monitor = res.state_monitor([2, 5, 7], interval=3)
    first = res.run(rng.normal(size=(10, 1)), record=monitor)
    second = res.run(rng.normal(size=(8, 1)), record=monitor)
    record = monitor.record()
    np.testing.assert_array_equal(record.times, [3, 6, 9, 12, 15, 18])  # steps since the reset
    assert record.time_unit == "step" and record.variable == "x"
    states = np.vstack([first, second])
    np.testing.assert_array_equal(record.values, states[[2, 5, 8, 11, 14, 17]][:, [2, 5, 7]])
    res.reset()
    with pytest.raises(ValueError, match="increasing time"):  # a reset restarts the clock
        res.run(rng.normal(size=(3, 1)), record=monitor)
    with pytest.raises(ValueError, match="one sequence"):
        res.run([rng.normal(size=(3, 1))], record=res.state_monitor())
    with pytest.raises(ValueError, match=r"state_monitor.indices"):
        res.state_monitor([30])


def test_weights_are_read_only_and_assigning_recompiles(rng):
    res = Reservoir(20, n_inputs=1, seed=0)
    inputs = rng.normal(size=(5, 1))
    before = res.run(inputs, reset=True)
    bundle = res.compile()
    assert res.compile() is bundle  # compiled once
    with pytest.raises(ValueError):
        res.W_in[0, 0] = 1.0
    assert not bundle.W.values.flags.writeable and not bundle.w_in_t.flags.writeable
    res.W_in = 2.0 * res.W_in
    assert res.compile() is not bundle
    after = res.run(inputs, reset=True)
    assert not np.allclose(before, after)
    with pytest.raises(ValueError, match=r"Reservoir.W_in: expected shape \(20, 1\)"):
        res.W_in = np.zeros((20, 2))


def test_summaries_of_sequences(rng):
    res = Reservoir(25, seed=0, noise=0.05)
    X = rng.normal(size=(4, 12, 1))
    states = res.run(X, reset=True, with_noise=False)
    np.testing.assert_array_equal(res.summarize(X), states[:, -1])
    np.testing.assert_allclose(res.summarize(X, "mean"), states.mean(axis=1))
    assert not np.allclose(res.summarize(X, with_noise=True), states[:, -1])  # training noise
