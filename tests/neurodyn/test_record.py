import numpy as np
import pytest

from neurodyn.record import SpikeRecord, StateRecord


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
