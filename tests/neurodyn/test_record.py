import numpy as np
import pytest

from neurodyn.record import SpikeMonitor, SpikeRecord, StateMonitor, StateRecord


def test_spike_record_statistics():
    spikes = SpikeRecord(times=[1.0, 2.0, 2.0, 5.0], indices=[0, 2, 0, 0], n_units=4, t_stop=10.0)
    np.testing.assert_array_equal(spikes.counts(), [3, 0, 1, 0])
    np.testing.assert_allclose(spikes.rates(), [300.0, 0.0, 100.0, 0.0])  # Hz over 10 ms
    trains = spikes.spike_trains()
    assert [t.tolist() for t in trains] == [[1.0, 2.0, 5.0], [], [2.0], []]
    assert len(spikes) == 4
    with pytest.raises(ValueError):
        spikes.times[0] = 0.0  # recordings are read-only


@pytest.mark.parametrize(
    ("times", "indices", "match"),
    [
        ([1.0, 0.5], [0, 0], "non-decreasing"),
        ([1.0], [5], "indices"),
        ([1.0, 2.0], [0], "equal length"),
    ],
)
def test_spike_record_validation(times, indices, match):
    with pytest.raises(ValueError, match=match):
        SpikeRecord(times=times, indices=indices, n_units=2)


def test_state_record_shapes():
    record = StateRecord(
        times=np.arange(5.0), values=np.arange(10.0).reshape(5, 2), variable="V_m", unit="mV"
    )
    assert record.values.shape == (5, 2) and len(record) == 5
    with pytest.raises(ValueError, match="values"):
        StateRecord(times=np.arange(4.0), values=np.zeros((5, 2)))


def test_neo_conversion():
    pytest.importorskip("neo")
    import quantities as pq

    spikes = SpikeRecord(times=[1.0, 2.0, 3.0], indices=[0, 1, 0], n_units=3, t_stop=5.0)
    trains = spikes.to_neo()
    assert len(trains) == 3
    np.testing.assert_allclose(trains[0].rescale(pq.ms).magnitude, [1.0, 3.0])
    assert len(trains[2]) == 0
    signal = StateRecord(
        times=np.arange(0.0, 1.0, 0.1), values=np.ones((10, 2)), variable="V_m", unit="mV"
    ).to_neo()
    assert signal.shape == (10, 2)
    assert float(signal.sampling_period.rescale(pq.ms).magnitude) == pytest.approx(0.1)


def test_rates_need_the_end_of_the_recording():
    spikes = SpikeRecord(times=[1.0, 2.0], indices=[0, 0], n_units=1)
    with pytest.raises(ValueError, match="t_stop: unknown"):
        spikes.rates()
    steps = SpikeRecord(times=[1.0], indices=[0], n_units=1, t_stop=5.0, time_unit="step")
    with pytest.raises(ValueError, match="needs times in ms"):
        steps.rates()
    with pytest.raises(ValueError, match="time_unit"):
        SpikeRecord(times=[1.0], indices=[0], n_units=1, time_unit="s")


def test_records_never_flag_the_callers_arrays():
    times = np.array([1.0, 2.0])
    SpikeRecord(times=times, indices=[0, 0], n_units=1, t_stop=3.0)
    times[0] = 0.5  # still the caller's, still writable


def test_spike_monitor_grows_and_hands_out_frozen_views():
    monitor = SpikeMonitor(5, capacity=2)
    monitor.append([0.1, 0.2], [0, 4])
    monitor.advance(1.0)
    early = monitor.record()
    for step in range(1, 100):  # many appends: the buffers double, appends stay cheap
        monitor.append([step + 0.5], [step % 5])
        monitor.advance(step + 1.0)
    late = monitor.record()
    assert len(early) == 2 and early.t_stop == 1.0  # an earlier record does not change
    assert len(late) == 101 and late.t_stop == 100.0
    np.testing.assert_array_equal(late.times[:2], [0.1, 0.2])
    assert late.rates()[0] == pytest.approx(20 / 0.1)  # 20 spikes of neuron 0 in 100 ms
    with pytest.raises(ValueError):
        late.times[0] = 0.0
    with pytest.raises(ValueError, match="time order"):
        monitor.append([3.0], [0])
    with pytest.raises(ValueError, match="indices"):
        monitor.append([200.0], [5])


def test_a_kernel_fills_the_reserved_buffers():
    monitor = SpikeMonitor(3)
    times, indices = monitor.reserve(4)
    assert times.shape[0] >= 4 and times.flags.writeable
    times[:3], indices[:3] = [0.5, 0.5, 0.7], [0, 2, 1]
    monitor.commit(3)
    monitor.advance(1.0)
    record = monitor.record()
    np.testing.assert_array_equal(record.indices, [0, 2, 1])
    with pytest.raises(ValueError, match="commit"):
        monitor.commit(10**9)


def test_state_monitor_rows_in_time_order():
    monitor = StateMonitor(2, variable="V_m", unit="mV", indices=[3, 7], capacity=1)
    for t in range(10):
        monitor.append([t * 0.1], [[t, -t]])
    record = monitor.record()
    assert record.values.shape == (10, 2) and record.variable == "V_m"
    np.testing.assert_array_equal(record.indices, [3, 7])
    np.testing.assert_allclose(record.times, np.arange(10) * 0.1)
    with pytest.raises(ValueError, match="increasing time"):
        monitor.append([0.5], [[0, 0]])
    with pytest.raises(ValueError, match="expected shape"):
        monitor.append([2.0], [[0, 0, 0]])


def test_a_spike_monitor_without_spikes_gives_an_empty_record():
    from neurodyn.record import SpikeMonitor

    monitor = SpikeMonitor(4, t_start=2.0)
    monitor.advance(10.0)
    record = monitor.record()
    assert len(record) == 0 and record.t_stop == 10.0
    assert list(record.rates()) == [0.0] * 4
