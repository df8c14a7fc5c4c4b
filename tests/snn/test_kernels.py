"""The spiking kernels against short NumPy references (CI runs these again as plain
Python with NUMBA_DISABLE_JIT=1, so they stay small)."""

import numpy as np
import pytest
from scipy import stats

import snn
from snn import _build_kernels, _kernels
from snn.compile import poisson_tables

pytestmark = pytest.mark.kernels


@pytest.mark.parametrize("mean", [0.002, 2.0, 35.0])
def test_tabulated_poisson_counts_have_the_poisson_distribution(mean):
    tables = poisson_tables(np.array([mean]))
    rng = np.random.default_rng(0).integers(1, 2**63, 1, dtype=np.uint64)
    draws = np.array(
        [
            _kernels.poisson_from_table(rng, 0, tables["table_cdf"], 0, tables["table_guide"], 0)
            for _ in range(4000)
        ]
    )
    assert abs(draws.mean() - mean) < 4 * np.sqrt(mean / draws.size) + 1e-3
    if mean > 1:
        assert draws.var() == pytest.approx(mean, rel=0.15)
        observed = np.bincount(draws, minlength=draws.max() + 1)
        expected = stats.poisson.pmf(np.arange(observed.size), mean) * draws.size
        keep = expected > 5
        chi2 = ((observed[keep] - expected[keep]) ** 2 / expected[keep]).sum()
        assert chi2 < stats.chi2.ppf(0.999, keep.sum() - 1)


def test_poisson_counts_for_changing_rates_have_the_poisson_mean():
    rng = np.random.default_rng(1).integers(1, 2**63, 1, dtype=np.uint64)
    for mean in (0.5, 45.0):
        draws = [_kernels.poisson_count(rng, 0, mean, np.exp(-mean)) for _ in range(3000)]
        assert abs(np.mean(draws) - mean) < 4 * np.sqrt(mean / 3000)


def test_segments_group_each_sources_edges_by_delay_and_target():
    from snn.compile import _sort_edges

    rng = np.random.default_rng(2)
    degrees = rng.integers(0, 6, 12)
    source_ptr = np.concatenate([[0], np.cumsum(degrees)]).astype(np.int64)
    n = int(source_ptr[-1])
    channel = rng.integers(0, 100, n).astype(np.int32)  # 50 units, both receptors
    weight = rng.normal(size=n)
    delay = rng.integers(1, 4, n).astype(np.int32)
    before = set(zip(np.repeat(np.arange(12), degrees), channel, weight, delay, strict=True))
    assert _build_kernels.first_unsorted_source(source_ptr, channel, delay, 50) >= 0
    _sort_edges(source_ptr, channel, weight, delay, 50, block_edges=7)
    assert _build_kernels.first_unsorted_source(source_ptr, channel, delay, 50) == -1
    seg_ptr, seg_edges, seg_delay = _build_kernels.cut_segments(source_ptr, delay)
    after = set()
    for u in range(12):
        delays_seen = []
        for s in range(seg_ptr[u], seg_ptr[u + 1]):
            edges = range(seg_edges[s], seg_edges[s + 1])
            assert all(delay[e] == seg_delay[s] for e in edges)
            targets = [c % 50 for c in channel[seg_edges[s] : seg_edges[s + 1]]]
            assert targets == sorted(targets)
            delays_seen.append(seg_delay[s])
            after |= {(u, channel[e], weight[e], delay[e]) for e in edges}
        assert delays_seen == sorted(set(delays_seen))
    assert after == before


def _numpy_iaf_psc_delta(net_params, weights, delays, sources, targets, input_steps, n, steps):
    """NEST's iaf_psc_delta update and spike delivery written plainly in NumPy."""
    tau, c_m, t_ref, v_th, v_reset, dt = net_params
    decay, gain = np.exp(-dt / tau), tau / c_m * (1 - np.exp(-dt / tau))
    ref_steps = round(t_ref / dt)
    v, refractory = np.zeros(n), np.zeros(n, np.int64)
    ring = np.zeros((delays.max() + 1, n))
    spikes, trace = [], []
    for step in range(steps):
        slot = step % ring.shape[0]
        for unit, emitted in input_steps:  # given spikes go first, as in the kernel
            if emitted == step:
                for k in np.flatnonzero(sources == unit):
                    ring[(step + delays[k]) % ring.shape[0], targets[k]] += weights[k]
        free = refractory == 0
        v = np.where(free, gain * 0.0 + decay * v + ring[slot], v)
        refractory = np.where(free, refractory, refractory - 1)
        ring[slot] = 0.0
        fired = np.flatnonzero(v >= v_th)
        v[fired], refractory[fired] = v_reset, ref_steps
        for i in fired:
            spikes.append((step, i))
            for k in np.flatnonzero(sources == 100 + i):
                ring[(step + delays[k]) % ring.shape[0], targets[k]] += weights[k]
        trace.append(v.copy())
    return spikes, np.array(trace)


def test_a_small_network_matches_a_numpy_reference_bit_for_bit():
    dt, n, steps = 0.1, 12, 300
    net = snn.Network(dt=dt, seed=4)
    model = snn.LIF(E_L=0.0, V_th=15.0, V_reset=5.0, tau_m=10.0, t_ref=1.0)
    times = np.round(np.linspace(0.5, 25.0, 40), 1)
    drive = net.add_spike_source(times, np.arange(40) % 100, n=100)  # units 0..99
    pop = net.add_population(n, model, V_m=0.0)  # units 100..111
    net.connect(drive, pop, p=0.2, weight=snn.Uniform(2.0, 9.0), delay=snn.Uniform(0.1, 1.5))
    net.connect(pop, pop, p=0.3, weight=snn.Uniform(-4.0, 6.0), delay=snn.Uniform(0.5, 2.0))
    spikes, trace = net.record_spikes(pop), net.record_state(pop, "V_m")
    net.run(steps * dt, progress=False)
    sources, targets, weights, delays = [], [], [], []
    for projection in net.projections:
        sources.append(projection.pre.start + projection.sources())
        targets.append(projection.targets())
        weights.append(np.array(projection.weights))
        delays.append(np.rint(projection.delays / dt).astype(np.int64))
    inputs = list(zip(np.arange(40) % 100, np.rint(times / dt).astype(int) - 1, strict=True))
    expected_spikes, expected_trace = _numpy_iaf_psc_delta(
        (10.0, 250.0, 1.0, 15.0, 5.0, dt), *map(np.concatenate, (weights, delays, sources, targets)),
        inputs, n, steps,
    )  # fmt: skip
    assert len(expected_spikes) > 10
    np.testing.assert_array_equal(np.rint(spikes.times / dt) - 1, [s for s, _ in expected_spikes])
    np.testing.assert_array_equal(spikes.indices, [i for _, i in expected_spikes])
    np.testing.assert_allclose(trace.values, expected_trace, rtol=0, atol=1e-12)


def _trajectory_distance(c, s):
    """V(s) - theta of the LIF(synapse="exp") trajectory c (see _crossing_kernels), in
    NumPy with the expanded closed form."""
    v_inf_gap, v0_gap, tau_m, a_ex, tau_ex, a_in, tau_in = c
    v = v_inf_gap + v0_gap * np.exp(-s / tau_m)
    for amplitude, tau in ((a_ex, tau_ex), (a_in, tau_in)):
        if tau == tau_m:
            v = v + amplitude * s * np.exp(-s / tau_m)
        else:
            v = v + amplitude * (np.exp(-s / tau) - np.exp(-s / tau_m)) / (1 / tau_m - 1 / tau)
    return v


def test_exp_synapse_crossings_match_a_dense_grid_search():
    # Random mixes of excitation and inhibition, tau_syn equal to tau_m or to each other
    # included; the grid (5 us) brackets the first crossing the kernel must return, and
    # V_inf lies at least 0.5 mV below threshold, so no crossing comes late.
    from snn._crossing_kernels import first_crossing

    rng = np.random.default_rng(7)
    grid = np.linspace(0.0, 400.0, 80_001)  # beyond 400 ms every term is below 0.01 mV
    checked = 0
    for _ in range(150):
        tau_m = rng.choice([10.0, 20.0])
        tau_ex = rng.choice([tau_m, 2.0, 5.0, 30.0])
        tau_in = rng.choice([tau_m, 2.0, 5.0, 30.0, tau_ex])
        c = (rng.uniform(-20, -0.5), rng.uniform(-20, 20), tau_m, rng.normal(0, 20), tau_ex,
             rng.normal(0, 20), tau_in)  # fmt: skip
        distance = _trajectory_distance(c, grid)
        above = np.flatnonzero(distance >= 0.0)
        found, exact = first_crossing(c, 0.0, True)
        assert exact
        if above.size == 0:
            assert found == np.inf
            continue
        checked += 1
        assert grid[max(above[0] - 1, 0)] <= found <= grid[above[0]] + 1e-12
        assert abs(_trajectory_distance(c, found)) < 1e-9 or above[0] == 0
    assert checked > 30
