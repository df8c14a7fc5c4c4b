import matplotlib.pyplot as plt
import numpy as np

from neurodyn import plot
from neurodyn.record import SpikeRecord


def test_plot_helpers_return_axes_and_leave_data_alone(rng):
    target = rng.normal(size=(50, 1))
    prediction = target.copy()
    states = rng.normal(size=(50, 20))
    kept = (target.copy(), states.copy())
    fig, axes = plt.subplots(2, 2)
    assert plot.plot_timeseries(target, prediction, ax=axes[0, 0]) is axes[0, 0]
    assert plot.plot_states(states, n_units=5, ax=axes[0, 1]) is axes[0, 1]
    assert len(axes[0, 1].lines) == 5
    assert plot.plot_eigenvalues(rng.normal(size=(20, 20)) / 5, ax=axes[1, 0]) is axes[1, 0]
    spikes = SpikeRecord([1.0, 2.0], [0, 1], n_units=2, t_stop=3.0)
    assert plot.plot_raster(spikes, ax=axes[1, 1]).get_xlabel() == "time (ms)"
    np.testing.assert_array_equal(kept[0], target)
    np.testing.assert_array_equal(kept[1], states)
    assert plot.plot_timeseries(target).figure is not fig  # ax=None makes a new figure
