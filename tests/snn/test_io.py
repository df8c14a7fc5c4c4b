"""Saving and loading networks, networkx round trips and Neo export."""

import networkx as nx
import numpy as np
import pytest

import snn
from neurodyn import io
from neurodyn.errors import FormatError

QUIET = {"progress": False}


def _network(seed=3):
    net = snn.Network(dt=0.1, seed=seed)
    exc = net.add_population(
        60, snn.AdEx(a=2.0, tau_syn_ex=3.0), name="exc", V_m=snn.Uniform(-70.0, -60.0)
    )  # an adaptive integrator state to carry over
    inh = net.add_population(15, snn.LIF(synapse="exp", tau_syn_in=5.0), name="inh")
    noise = net.add_poisson(30, rate=60.0, name="noise")
    stim = net.add_spike_source([5.0, 7.5, 12.0], [0, 1, 0], name="stim")
    net.connect(noise, exc, p=0.4, weight=15.0, delay=snn.Uniform(0.5, 4.0))
    net.connect(stim, inh, rule="all_to_all", weight=900.0, delay=2.0)
    net.connect(exc, inh, p=0.3, weight=120.0)
    net.connect(inh, exc, p=0.3, weight=-10.0, delay=0.7)
    net.add_poisson_input(inh, rate=50.0, weight=200.0, n=4)
    net.add_step_current(exc, [10.0, 40.0], [[650.0], [0.0]])
    net.add_current_array(inh, np.linspace(0.0, 200.0, 150), start=0.0)
    return net


def _recorded(net):
    return (
        net.record_spikes(net["exc"]),
        net.record_state(net["exc"], "w", indices=[0, 4]),
        net.record_rate(net["inh"]),
    )


def test_a_loaded_network_continues_exactly_like_the_saved_one(tmp_path):
    original = _network()
    spikes, w, rate = _recorded(original)
    original.run(20.0, **QUIET)  # spikes in flight, Poisson streams advanced
    path = original.save(tmp_path / "net")
    loaded = snn.Network.load(path)
    original.run(30.0, **QUIET)
    loaded.run(30.0, **QUIET)
    spikes2, w2, rate2 = loaded.recorders
    assert len(spikes) > 20
    np.testing.assert_array_equal(spikes.times, spikes2.times)
    np.testing.assert_array_equal(spikes.indices, spikes2.indices)
    np.testing.assert_array_equal(w.values, w2.values)
    np.testing.assert_array_equal(rate.rate, rate2.rate)
    for a, b in zip(original.projections, loaded.projections, strict=True):
        np.testing.assert_array_equal(a.weights, b.weights)
        np.testing.assert_array_equal(a.delays, b.delays)
    assert loaded.t == original.t == 50.0


def test_malformed_network_files_raise_format_error(tmp_path):
    net = _network()
    net.run(1.0, **QUIET)
    path = net.save(tmp_path / "net")
    arrays, metadata = io.load_arrays(path)
    arrays["state.values"] = arrays["state.values"][:, :3]
    io.save_arrays(tmp_path / "bad", arrays, metadata)
    with pytest.raises(FormatError, match="do not match"):
        snn.Network.load(tmp_path / "bad.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    with pytest.raises(FormatError):
        snn.Network.load(tmp_path / "junk.npz")


def test_networkx_round_trip_keeps_every_synapse():
    net = _network()
    graph = net.to_networkx()
    assert graph.nodes[("exc", 3)]["model"] == "aeif_cond_exp"
    assert graph.number_of_edges() == sum(len(p) for p in net.projections)
    copy = snn.Network(dt=0.1)
    copy.add_population(60, snn.AdEx(a=2.0, tau_syn_ex=3.0), name="exc")
    copy.add_population(15, snn.LIF(synapse="exp", tau_syn_in=5.0), name="inh")
    copy.add_poisson(30, rate=60.0, name="noise")
    copy.add_spike_source([5.0], n=2, name="stim")
    copy.connect_graph(graph)
    assert nx.utils.graphs_equal(copy.to_networkx(), graph)


def test_connect_graph_between_two_populations():
    graph = nx.DiGraph()
    graph.add_edge(0, 2, weight=0.5, delay=1.5)
    graph.add_edge(1, 0, weight=-0.25)
    net = snn.Network(dt=0.1)
    pop = net.add_population(3, snn.LIF())
    (proj,) = net.connect_graph(graph, pop, pop)
    np.testing.assert_array_equal(proj.sources(), [1, 0])
    np.testing.assert_array_equal(proj.weights, [-0.25, 0.5])
    np.testing.assert_array_equal(proj.delays, [1.0, 1.5])
    with pytest.raises(ValueError, match="has no 'weight' attribute"):
        bad = nx.DiGraph()
        bad.add_edge(0, 1)
        net.connect_graph(bad, pop, pop)


def test_recordings_export_to_neo():
    pytest.importorskip("neo")
    net = _network()
    spikes, w, _ = _recorded(net)
    net.run(20.0, **QUIET)
    trains = spikes.to_neo()
    assert len(trains) == 60 and sum(len(t) for t in trains) == len(spikes)
    signal = w.to_neo()
    assert signal.shape == (200, 2) and str(signal.units.dimensionality) == "pA"
