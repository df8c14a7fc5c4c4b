"""snn.Network: connection rules, inputs, timing conventions, recording, continuation,
determinism and the errors a user meets."""

import numpy as np
import pytest

import snn
from neurodyn.errors import SimulationError

QUIET = {"progress": False}


def _lif(**params):
    return snn.LIF(**({"E_L": 0.0, "V_th": 20.0, "V_reset": 10.0, "tau_m": 20.0} | params))


# --- connection rules ------------------------------------------------------------------------
def test_pairwise_bernoulli_draws_p_of_the_pairs():
    net = snn.Network(seed=0)
    a = net.add_population(400, _lif())
    b = net.add_population(300, _lif())
    proj = net.connect(a, b, p=0.1)
    expected, sd = 400 * 300 * 0.1, np.sqrt(400 * 300 * 0.1 * 0.9)
    assert abs(len(proj) - expected) < 4 * sd
    assert proj.sources().max() < 400 and proj.targets().max() < 300


def test_fixed_indegree_gives_every_target_k_distinct_sources():
    net = snn.Network(seed=1)
    pop = net.add_population(200, _lif())
    proj = net.connect(pop, pop, indegree=25, autapses=False)
    targets, sources = proj.targets(), proj.sources()
    assert np.all(np.bincount(targets, minlength=200) == 25)
    assert not np.any(targets == sources)
    pairs = targets * 200 + sources
    assert np.unique(pairs).size == pairs.size  # no multapses


def test_one_to_one_and_all_to_all():
    net = snn.Network()
    a, b = net.add_population(5, _lif()), net.add_population(5, _lif())
    one = net.connect(a, b, rule="one_to_one")
    assert np.array_equal(one.sources(), one.targets())
    every = net.connect(a, a, rule="all_to_all", autapses=False)
    assert len(every) == 20 and not np.any(every.sources() == every.targets())


def test_weights_and_delays_take_numbers_arrays_and_distributions():
    net = snn.Network(seed=2)
    pop = net.add_population(50, _lif())
    proj = net.connect(pop, pop, p=0.2, weight=snn.Uniform(0.1, 0.3), delay=snn.Uniform(1.0, 3.0))
    assert proj.weights.min() >= 0.1 and proj.weights.max() < 0.3
    assert proj.delays.min() >= 1.0 and proj.delays.max() < 3.0
    fixed = net.connect(pop, pop, rule="one_to_one", weight=np.arange(50.0) / 100, delay=0.5)
    np.testing.assert_array_equal(fixed.weights, np.arange(50.0) / 100)
    assert not fixed.weights.flags.writeable
    fixed.weights = np.full(50, 0.7)
    np.testing.assert_array_equal(fixed.weights, 0.7)


def test_the_same_seed_builds_the_same_network_and_children_are_independent():
    def build(seed, extra=False):
        net = snn.Network(seed=seed)
        pop = net.add_population(100, _lif(), V_m=snn.Uniform(0.0, 10.0))
        proj = net.connect(pop, pop, p=0.1, weight=snn.Normal(0.1, 0.02))
        if extra:
            net.add_poisson(10, rate=5.0)  # added later: shifts nothing drawn before
        return pop.get("V_m"), proj.weights.copy(), proj.sources()

    first, again, other = build(5), build(5, extra=True), build(6)
    for x, y in zip(first, again, strict=True):
        np.testing.assert_array_equal(x, y)
    assert not np.array_equal(first[0], other[0])


# --- timing conventions (NEST's) ---------------------------------------------------------------
def test_a_spike_at_t_with_delay_d_arrives_at_t_plus_d():
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, _lif(tau_m=1e9), V_m=0.0)  # no leak to speak of
    source = net.add_spike_source([1.0, 2.5])
    net.connect(source, neuron, rule="all_to_all", weight=1.0, delay=2.0)
    trace = net.record_state(neuron, "V_m")
    net.run(6.0, **QUIET)
    jumps = trace.times[np.flatnonzero(np.diff(trace.values[:, 0]) > 0.5) + 1]
    np.testing.assert_allclose(jumps, [3.0, 4.5], atol=1e-9)


@pytest.mark.parametrize(
    "model, variables",
    [
        (snn.LIF(synapse="exp"), ("I_syn_ex", "I_syn_in")),
        (snn.LIFCond(), ("g_ex", "g_in")),
        (snn.AdEx(a=0.0), ("g_ex", "g_in", "w")),
    ],
)
def test_decayed_synaptic_state_ends_at_zero_not_subnormal(model, variables):
    # Rounding keeps a geometric decay at the smallest subnormal (5e-324 * 0.6 rounds back
    # to 5e-324), where every operation costs ~100 cycles; the kernels flush it to zero.
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, model)
    source = net.add_spike_source([1.0])
    net.connect(source, neuron, rule="all_to_all", weight=1.0)
    net.connect(source, neuron, rule="all_to_all", weight=-1.0)
    net.run(2000.0, **QUIET)  # 10^4 synaptic time constants: far below the normal range
    for name in variables:
        assert neuron.get(name)[0] == 0.0, name


def test_a_neuron_spike_is_stamped_at_the_end_of_its_step_and_arrives_delay_later():
    net = snn.Network(dt=0.1)
    first = net.add_population(1, _lif(), V_m=19.99)
    second = net.add_population(1, _lif(tau_m=1e9), V_m=0.0)
    net.add_current(first, 500.0, stop=0.1)  # crosses threshold in the first step
    net.connect(first, second, rule="all_to_all", weight=1.0, delay=1.0)
    spikes = net.record_spikes(first)
    trace = net.record_state(second, "V_m")
    net.run(3.0, **QUIET)
    assert spikes.times[0] == pytest.approx(0.1)
    jump = trace.times[np.flatnonzero(trace.values[:, 0] > 0.5)[0]]
    assert jump == pytest.approx(1.1)


def test_currents_drive_the_steps_from_their_start_until_their_stop():
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, _lif(tau_m=1e9, V_th=1e6), V_m=0.0)
    net.add_current(neuron, 250.0, start=1.0, stop=2.0)  # C = 250 pF: 1 mV per ms
    trace = net.record_state(neuron, "V_m")
    net.run(3.0, **QUIET)
    v = dict(zip(np.round(trace.times, 6), trace.values[:, 0], strict=True))
    assert v[1.0] == pytest.approx(0.0, abs=1e-9) and v[1.1] == pytest.approx(0.1, rel=1e-6)
    assert v[2.0] == pytest.approx(1.0, rel=1e-6) and v[3.0] == pytest.approx(1.0, rel=1e-6)


def test_a_current_array_drives_step_by_step():
    net = snn.Network(dt=0.1)
    neuron = net.add_population(2, _lif(tau_m=1e9, V_th=1e6), V_m=0.0)
    values = np.zeros((10, 2))
    values[3] = [250.0, 500.0]  # one step of current
    net.add_current_array(neuron, values)
    trace = net.record_state(neuron, "V_m")
    net.run(2.0, **QUIET)
    np.testing.assert_allclose(trace.values[-1], [0.1, 0.2], rtol=1e-6)
    assert trace.values[2].max() == 0.0 and trace.values[3, 0] == pytest.approx(0.1, rel=1e-6)


# --- Poisson sources and inputs --------------------------------------------------------------------
def test_poisson_sources_fire_at_their_rate_with_poisson_counts():
    net = snn.Network(dt=0.1, seed=3)
    sources = net.add_poisson(200, rate=np.linspace(5.0, 100.0, 200))
    spikes = net.record_spikes(sources)
    net.run(2000.0, **QUIET)
    counts = spikes.record().counts()
    expected = np.linspace(5.0, 100.0, 200) * 2.0
    z = (counts - expected) / np.sqrt(expected)
    assert abs(z.mean()) < 4 / np.sqrt(200) and 0.7 < z.std() < 1.3


def test_a_poisson_rate_course_switches_sources_on_and_off():
    net = snn.Network(dt=0.1, seed=4)
    course = np.array([[0.0], [200.0], [0.0]])
    sources = net.add_poisson(50, course, interval=100.0, start=0.0)
    spikes = net.record_spikes(sources)
    net.run(400.0, **QUIET)
    t = spikes.times
    assert t.size > 0.5 * 50 * 20 and np.all((t > 100.0) & (t <= 200.0 + 1e-9))


def test_poisson_inputs_drive_each_neuron_with_the_mean_they_should():
    """A delta LIF without threshold integrates n rate w tau of mean input."""
    net = snn.Network(dt=0.1, seed=5)
    pop = net.add_population(500, _lif(V_th=1e6), V_m=0.0)
    net.add_poisson_input(pop, rate=10.0, weight=0.1, n=1000)
    net.run(200.0, **QUIET)
    trace = net.record_state(pop, "V_m", indices=np.arange(500))
    net.run(300.0, **QUIET)
    mean_v = trace.values.mean()
    assert mean_v == pytest.approx(1000 * 10.0 * 1e-3 * 0.1 * 20.0, rel=0.02)  # 20 mV
    assert trace.values[-1].std() > 0.5  # independent inputs: neurons differ


# --- running, recording, continuing ----------------------------------------------------------------
def _small(seed=7):
    net = snn.Network(dt=0.1, seed=seed)
    exc = net.add_population(
        80, snn.LIFCond(tau_syn_ex=2.0), name="exc", V_m=snn.Uniform(-70.0, -56.0)
    )
    inh = net.add_population(20, snn.LIF(synapse="exp"), name="inh")
    noise = net.add_poisson(40, rate=40.0, name="noise")
    net.connect(noise, exc, p=0.3, weight=8.0, delay=snn.Uniform(0.5, 2.0))
    net.connect(noise, inh, p=0.3, weight=400.0)
    net.connect(exc, inh, p=0.2, weight=150.0, delay=1.5)
    net.connect(inh, exc, p=0.3, weight=-20.0, delay=0.8)
    net.add_poisson_input(inh, rate=200.0, weight=80.0)
    return net, exc, inh


def test_runs_continue_where_they_stopped_bit_for_bit():
    whole, exc, _ = _small()
    spikes, trace = whole.record_spikes(exc), whole.record_state(exc, "g_ex", indices=[0, 5])
    whole.run(100.0, **QUIET)
    pieces, exc2, _ = _small()
    spikes2, trace2 = pieces.record_spikes(exc2), pieces.record_state(exc2, "g_ex", indices=[0, 5])
    for duration in (30.0, 0.1, 44.9, 25.0):
        pieces.run(duration, **QUIET)
    assert len(spikes) > 50
    np.testing.assert_array_equal(spikes.times, spikes2.times)
    np.testing.assert_array_equal(spikes.indices, spikes2.indices)
    np.testing.assert_array_equal(trace.values, trace2.values)
    assert pieces.t == pytest.approx(100.0)


def test_recorders_sample_where_and_when_asked():
    net, exc, inh = _small()
    vm = net.record_state(exc, "V_m", indices=[3, 1], interval=0.5)
    rate = net.record_rate(inh)
    spikes = net.record_spikes(inh)
    net.run(50.0, **QUIET)
    np.testing.assert_allclose(vm.times, np.arange(1, 101) * 0.5)
    assert vm.values.shape == (100, 2) and list(vm.indices) == [3, 1]
    assert vm.values.max() < snn.LIFCond().V_th  # sampled after threshold and reset
    counted = rate.rate.sum() * 20 * 0.1e-3
    assert counted == pytest.approx(len(spikes))
    assert spikes.times.max() <= 50.0 and spikes.record().t_stop == 50.0


def test_recording_starts_when_the_recorder_is_made():
    net, exc, _ = _small()
    net.run(20.0, **QUIET)
    later = net.record_spikes(exc)
    net.run(20.0, **QUIET)
    assert later.record().t_start == 20.0 and later.times.min() > 20.0


def test_adding_to_a_network_after_a_run_keeps_its_state_and_spikes_in_flight():
    net = snn.Network(dt=0.1)
    neuron = net.add_population(1, _lif(tau_m=1e9), V_m=0.0)
    source = net.add_spike_source([1.0])
    net.connect(source, neuron, rule="all_to_all", weight=1.0, delay=3.0)
    net.run(2.0, **QUIET)  # the spike is in flight
    other = net.add_population(3, _lif())
    net.connect(neuron, other, rule="all_to_all", weight=0.5, delay=10.0)  # a longer ring
    trace = net.record_state(neuron, "V_m")
    net.run(3.0, **QUIET)
    assert trace.values[-1, 0] == pytest.approx(1.0)


def test_progress_callback_reports_the_whole_run():
    net, *_ = _small()
    calls = []
    net.run(10.0, progress=lambda elapsed, done, start, total: calls.append((done, total)))
    assert calls[-1] == (1.0, 100.0)


def test_the_same_seed_repeats_a_run_bit_for_bit():
    first, exc, _ = _small(seed=11)
    second, exc2, _ = _small(seed=11)
    a, b = first.record_spikes(exc), second.record_spikes(exc2)
    first.run(50.0, **QUIET)
    second.run(50.0, **QUIET)
    np.testing.assert_array_equal(a.times, b.times)
    third, exc3, _ = _small(seed=12)
    c = third.record_spikes(exc3)
    third.run(50.0, **QUIET)
    assert not np.array_equal(a.times, c.times)


# --- divergence and bad input ----------------------------------------------------------------------
def test_a_state_that_stops_being_finite_stops_the_run_naming_it():
    net = snn.Network(dt=1.0)
    net.add_population(3, snn.Izhikevich(V_th=1e300), name="izh", V_m=-60.0)
    net.add_current(net["izh"], 1e6)
    with pytest.raises(
        SimulationError, match=r"population 'izh', neuron 0: V_m became (inf|nan) at t = \d"
    ):
        net.run(20.0, **QUIET)


def test_adex_leaving_nest_stability_bounds_is_reported():
    net = snn.Network(dt=0.1)
    net.add_population(1, snn.AdEx(), name="adex")
    net.add_current(net["adex"], -1e7)
    with pytest.raises(SimulationError, match="stability bounds"):
        net.run(5.0, **QUIET)


@pytest.mark.parametrize(
    "call, error, message",
    [
        (lambda: snn.Network(dt=0.0), ValueError, r"Network\.dt"),
        (lambda: snn.Network(dt=-0.1), ValueError, r"Network\.dt"),
        (lambda: snn.LIF(tau=10.0), TypeError, "valid names are E_L, C_m, tau_m"),
        (lambda: snn.LIFCond(C_m=-1.0), ValueError, r"LIFCond\.C_m"),
        (lambda: snn.LIF(V_reset=-50.0), ValueError, "V_reset"),
        (lambda: snn.LIF(synapse="alpha"), ValueError, r"LIF\.synapse"),
        (lambda: snn.AdEx(V_peak=-60.0), ValueError, "V_peak"),
    ],
)
def test_bad_models_and_networks(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_bad_connections_name_the_argument():
    net = snn.Network(dt=0.1)
    pop = net.add_population(10, _lif())
    other = snn.Network().add_population(10, _lif())
    with pytest.raises(ValueError, match=r"connect\.p"):
        net.connect(pop, pop, p=1.5)
    with pytest.raises(ValueError, match=r"connect\.weight:\ contains\ NaN"):
        net.connect(pop, pop, p=0.5, weight=np.full(100, np.nan))
    with pytest.raises(ValueError, match="shorter than dt"):
        net.connect(pop, pop, p=0.5, delay=0.05)
    with pytest.raises(ValueError, match="belongs to another network"):
        net.connect(other, pop, p=0.5)
    with pytest.raises(ValueError, match="receptor 'in' takes weights <= 0"):
        net.connect(pop, pop, p=0.5, weight=1.0, receptor="in")
    with pytest.raises(ValueError, match="one of p= and indegree="):
        net.connect(pop, pop, p=0.5, indegree=3)
    with pytest.raises(TypeError, match="post: expected a Population"):
        net.connect(pop, net.add_poisson(2, rate=1.0), p=0.5)


def test_bad_recordings_and_runs_name_the_argument():
    net = snn.Network(dt=0.1)
    pop = net.add_population(10, snn.LIFCond())
    with pytest.raises(ValueError, match="records 'V_m', 'g_ex', 'g_in'"):
        net.record_state(pop, "w")
    with pytest.raises(ValueError, match="multiple of dt"):
        net.record_state(pop, "V_m", interval=0.15)
    with pytest.raises(ValueError, match="indices must lie in"):
        net.record_state(pop, "V_m", indices=[10])
    with pytest.raises(ValueError, match=r"run\.duration:\ must\ be\ a\ multiple\ of\ dt"):
        net.run(1.05, **QUIET)
    with pytest.raises(ValueError, match=r"add_spike_source\.times"):
        net.add_spike_source([0.0])
    with pytest.raises(ValueError, match=r"add_poisson\.rate"):
        net.add_poisson(3, rate=[1.0, 2.0])


def test_threads_give_the_serial_results_bit_for_bit():
    """Neuron blocks, Poisson-input blocks and delivery by target range over two threads:
    every spike and every sample equal to the single-threaded run."""
    import numba

    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("needs two threads")
    results = []
    for threads in (1, 2):
        net, exc, _ = _small(seed=13)
        net.add_population(300, snn.AdEx(), name="adex")
        net.connect(exc, net["adex"], p=0.5, weight=30.0)
        net.threads = threads
        spikes = [net.record_spikes(group) for group in net.groups]
        trace = net.record_state(net["adex"], "w", indices=np.arange(0, 300, 7))
        net.run(60.0, **QUIET)
        results.append(([s.times for s in spikes], [s.indices for s in spikes], trace.values))
    from snn._threaded_kernels import advance_threaded

    assert advance_threaded.signatures  # the threaded kernel did run
    assert sum(len(t) for t in results[0][0]) > 200
    for serial, threaded in zip(results[0], results[1], strict=True):
        for a, b in (
            zip(serial, threaded, strict=True) if isinstance(serial, list) else [(serial, threaded)]
        ):
            np.testing.assert_array_equal(a, b)
