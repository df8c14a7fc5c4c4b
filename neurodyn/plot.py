"""Plot helpers. Each takes ``ax=None``, draws on it (or on a new figure), and
returns the ``Axes``. Data are copied, never modified; ``plt.show()`` is never called;
extra keyword arguments go to the underlying matplotlib call."""

from __future__ import annotations

import numpy as np

__all__ = ["plot_eigenvalues", "plot_raster", "plot_states", "plot_timeseries"]


def _axes(ax):
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure().add_subplot()


def plot_timeseries(
    target,
    prediction=None,
    *,
    times=None,
    ax=None,
    labels=("target", "prediction"),
    xlabel: str = "time step",
    ylabel: str = "value",
    **kwargs,
):
    """Target series and (optionally) a prediction on the same axes.

    ``target`` and ``prediction`` have shape (T,) or (T, n); ``times`` (T,).
    """
    ax = _axes(ax)
    target = np.array(target, dtype=float, copy=True)
    times = np.arange(target.shape[0]) if times is None else np.asarray(times)
    ax.plot(times, target, color="black", lw=1.2, label=labels[0])
    if prediction is not None:
        prediction = np.array(prediction, dtype=float, copy=True)
        style = {"color": "tab:red", "lw": 1.0, "ls": "--"} | kwargs
        ax.plot(times, prediction, label=labels[1], **style)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(loc="upper right", frameon=False)
    return ax


def plot_states(
    states, *, n_units: int = 10, times=None, ax=None, xlabel: str = "time step", **kwargs
):
    """Trajectories of the first ``n_units`` units of a state array (T, n)."""
    ax = _axes(ax)
    states = np.asarray(states)
    if states.ndim != 2:
        raise ValueError(f"states: expected shape (T, n) (got {states.shape})")
    shown = np.array(states[:, : min(n_units, states.shape[1])], copy=True)
    times = np.arange(states.shape[0]) if times is None else np.asarray(times)
    ax.plot(times, shown, lw=0.8, **kwargs)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("unit activation")
    return ax


def plot_eigenvalues(matrix, *, ax=None, unit_circle: bool = True, **kwargs):
    """Eigenvalues of a square weight matrix in the complex plane, with the unit circle.

    Accepts anything :func:`neurodyn.graph.as_csr` does; uses a dense
    eigendecomposition, so keep it to a few thousand units.
    """
    from neurodyn.graph import as_csr

    ax = _axes(ax)
    eigenvalues = np.linalg.eigvals(as_csr(matrix, "matrix").to_dense())
    style = {"s": 6, "color": "tab:blue", "alpha": 0.7} | kwargs
    ax.scatter(eigenvalues.real, eigenvalues.imag, **style)
    if unit_circle:
        angle = np.linspace(0, 2 * np.pi, 400)
        ax.plot(np.cos(angle), np.sin(angle), color="gray", lw=0.8, ls=":")
    radius = np.max(np.abs(eigenvalues)) if eigenvalues.size else 0.0
    ax.set_title(f"spectral radius {radius:.3f}")
    ax.set_xlabel("Re λ")
    ax.set_ylabel("Im λ")
    ax.set_aspect("equal")
    return ax


def plot_raster(spikes, *, ax=None, **kwargs):
    """Spike raster of a :class:`neurodyn.record.SpikeRecord` (time in ms against neuron)."""
    ax = _axes(ax)
    style = {"s": 2, "color": "black", "marker": "|"} | kwargs
    ax.scatter(np.array(spikes.times), np.array(spikes.indices), **style)
    ax.set_xlim(spikes.t_start, spikes.t_stop)
    ax.set_ylim(-0.5, spikes.n_units - 0.5)
    ax.set_xlabel(f"time ({spikes.time_unit})")
    ax.set_ylabel("neuron")
    return ax
