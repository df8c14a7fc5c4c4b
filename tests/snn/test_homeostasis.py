"""Homeostasis and competition: the adaptive threshold of LIFCond against its definition,
synaptic scaling, and lateral inhibition making a winner-take-all network."""

import networkx as nx
import numpy as np
import pytest

import snn

ADAPTIVE = snn.LIFCond(I_e=400.0, theta_plus=0.5, tau_theta=50.0)


def test_the_threshold_rise_is_the_sum_of_decaying_jumps_at_the_spikes():
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, ADAPTIVE)
    spikes = net.record_spikes(neuron)
    theta = net.record_state(neuron, "theta")
    net.run(500.0, progress=False)
    assert spikes.times.size > 10
    t = theta.times[:, None]
    since = t - spikes.times[None, :]
    expected = np.where(since >= 0.0, 0.5 * np.exp(-np.maximum(since, 0.0) / 50.0), 0.0).sum(1)
    np.testing.assert_allclose(theta.values[:, 0], expected, rtol=1e-9, atol=1e-12)


def test_a_rising_threshold_lengthens_the_intervals_until_it_settles():
    net = snn.Network(dt=0.1)
    plain = net.add_population(1, snn.LIFCond(I_e=400.0))
    adaptive = net.add_population(1, ADAPTIVE)
    plain_spikes, adaptive_spikes = net.record_spikes(plain), net.record_spikes(adaptive)
    net.run(1000.0, progress=False)
    regular = np.diff(plain_spikes.times)
    adapting = np.diff(adaptive_spikes.times)
    assert np.ptp(regular) <= 0.1 + 1e-9  # a constant current: one interval, to a step
    assert adaptive_spikes.times[0] == plain_spikes.times[0]  # theta starts at 0
    assert adapting[0] > regular[0]
    assert adapting[-1] > adapting[0] + 2.0  # measured: 8.7 ms plain, 9.4 first, 11.8 last
    assert np.ptp(adapting[-5:]) <= 0.2 + 1e-9  # settled: the rise it adds decays in between


def test_theta_plus_zero_leaves_the_model_as_nests():
    assert "theta_plus" not in snn.LIFCond().nest_params()
    assert "tau_theta" not in snn.LIFCond().nest_params()
    with pytest.raises(ValueError, match="theta_plus"):
        snn.LIFCond(theta_plus=-1.0)


def test_to_nest_refuses_the_adaptive_threshold_before_touching_nest():
    net = snn.Network(dt=0.1)
    net.add_population(2, ADAPTIVE)
    with pytest.raises(ValueError, match="theta_plus"):
        net.to_nest()
    plain = snn.Network(dt=0.1)
    population = plain.add_population(2, snn.LIFCond())
    population.set(theta=1.0)
    with pytest.raises(ValueError, match="theta non-zero"):
        plain.to_nest()


@pytest.mark.parametrize("plastic", [False, True])
def test_normalize_scales_each_neurons_inputs_to_the_total(plastic):
    net = snn.Network(dt=0.1, seed=3)
    source = net.add_poisson(20, rate=5.0)
    post = net.add_population(4, snn.LIFCond())
    rule = snn.STDP(snn.PairTiming(), snn.Additive(0.0, 0.5)) if plastic else None
    weights = np.random.default_rng(0).uniform(0.0, 0.2, 80)
    weights[:20] = 0.0  # a neuron with no input weight is left alone
    projection = net.connect(source, post, rule="all_to_all", weight=weights, plasticity=rule)
    projection.normalize(3.0)
    sums = np.bincount(projection.targets(), weights=projection.weights, minlength=4)
    np.testing.assert_allclose(sums, [0.0, 3.0, 3.0, 3.0], rtol=1e-12)
    ratios = (projection.weights[20:] / weights[20:]).reshape(3, 20)
    np.testing.assert_allclose(ratios, np.repeat(ratios[:, :1], 20, axis=1), rtol=1e-12)
    if plastic:  # in place: views taken before still see the values, clipped to w_max
        view = projection.weights
        projection.normalize(30.0)
        assert view.max() == 0.5


def _competition(inhibition: float) -> np.ndarray:
    """Spike counts of 10 neurons with the same Poisson drive, each inhibiting the others
    through its own inhibitory partner (Diehl & Cook's wiring)."""
    net = snn.Network(dt=0.1, seed=5)
    exc = net.add_population(10, snn.LIFCond(tau_syn_ex=1.0, E_in=-100.0))
    inh = net.add_population(10, snn.LIFCond(C_m=20.0, V_th=-45.0, tau_syn_ex=1.0))
    drive = net.add_poisson(100, rate=20.0)
    gain = np.repeat(1.0 + 0.1 * np.arange(10), 100)  # neuron 9 is driven best
    weights = np.random.default_rng(1).uniform(1.0, 3.0, 1000) * gain
    net.connect(drive, exc, rule="all_to_all", weight=weights)
    net.connect(exc, inh, rule="one_to_one", weight=50.0)
    others = nx.DiGraph()
    others.add_edges_from(
        (i, j, {"weight": -inhibition, "delay": 1.0})
        for i in range(10)
        for j in range(10)
        if i != j
    )
    if inhibition:
        net.connect_graph(others, inh, exc)
    spikes = net.record_spikes(exc)
    net.run(1000.0, progress=False)
    return np.bincount(spikes.indices, minlength=10)


def test_lateral_inhibition_lets_one_neuron_win():
    free, competing = _competition(0.0), _competition(200.0)
    assert (free > 0).all()  # on its own, every neuron fires (19 to 124 spikes)
    # measured: 99 of 106 spikes from one neuron; which one depends on who fires first,
    # but only the best-driven neurons get there
    assert competing.max() > 0.85 * competing.sum()
    assert competing.argmax() >= 7
