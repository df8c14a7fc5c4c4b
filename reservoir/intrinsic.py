"""Intrinsic plasticity: each reservoir unit adapts its own gain and bias so that its
output distribution approaches a target, before the readout is trained.

Schrauwen, Wardermann, Verstraeten, Steil & Stroobandt (2008), "Improving reservoirs
using intrinsic plasticity" (Neurocomputing 71): for a tanh unit y = tanh(a z + b) with
net input z, the gradient rule that minimises the Kullback–Leibler divergence between
the distribution of y and a Gaussian N(mu, sigma²) is::

    Δb = -η (-mu/sigma² + y/sigma² (2 sigma² + 1 - y² + mu y))
    Δa = η / a + Δb z

(Triesch 2005 derived the rule for Fermi units and an exponential target.) The rule runs
online over the training inputs; the learned gains and biases are then folded into the
reservoir (:meth:`Reservoir.scale_units`), which afterwards runs and is read out as any.
"""

from __future__ import annotations

import numpy as np

from neurodyn._validation import as_float_array, check_float, check_int
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress, ProgressLike
from reservoir import _kernels
from reservoir.reservoir import Reservoir

__all__ = ["intrinsic_plasticity"]


def intrinsic_plasticity(
    reservoir: Reservoir,
    inputs,
    *,
    mu: float = 0.0,
    sigma: float = 0.2,
    eta: float = 1e-4,
    epochs: int = 1,
    washout: int = 100,
    progress: ProgressLike = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Adapt every unit's gain and bias on ``inputs`` (T, n_inputs) and fold them into
    ``reservoir`` (its activation must be tanh); the state starts at zero each epoch and
    the first ``washout`` steps do not learn. Returns the gains and the added biases, (N,)
    each. ``mu``, ``sigma``: the target output distribution N(mu, sigma²); ``eta``: the
    learning rate."""
    owner = "intrinsic_plasticity"
    if not isinstance(reservoir, Reservoir):
        raise TypeError(f"{owner}.reservoir: expected a reservoir.Reservoir (got {reservoir!r})")
    if reservoir.activation != "tanh":
        raise ValueError(
            f"{owner}: the rule is derived for tanh units (got {reservoir.activation!r})"
        )
    inputs = as_float_array(inputs, "inputs", ndim=2, owner=owner)
    sigma = check_float(sigma, "sigma", low=0.0, low_open=True, owner=owner)
    rule = np.array([check_float(eta, "eta", low=0.0, low_open=True, owner=owner),
                     check_float(mu, "mu", low=-1.0, high=1.0, owner=owner), sigma])  # fmt: skip
    epochs = check_int(epochs, "epochs", low=1, owner=owner)
    washout = check_int(washout, "washout", low=0, owner=owner)
    if reservoir.n_inputs is None:
        reservoir.initialize(inputs.shape[1])
    elif reservoir.n_inputs != inputs.shape[1]:
        raise ValueError(
            f"{owner}.inputs: the reservoir reads {reservoir.n_inputs} inputs (got {inputs.shape[1]})"
        )
    bundle = reservoir.compile()
    dtype = reservoir.bias.dtype
    inputs = np.ascontiguousarray(inputs, dtype=dtype)
    gain, shift = np.ones(reservoir.n_units), np.zeros(reservoir.n_units)
    with Progress(epochs, progress, desc=owner, unit="epoch") as bar:
        for epoch in range(epochs):
            state = np.zeros(reservoir.n_units, dtype)
            bad = _kernels.intrinsic_plasticity_epoch(
                bundle, inputs, state, gain, shift, rule, washout
            )
            if bad >= 0 or not (np.all(np.isfinite(gain)) and np.all(np.isfinite(shift))):
                raise SimulationError(
                    f"{owner}: the reservoir diverged in epoch {epoch} (step {bad}); lower eta"
                )
            bar.update(1)
    reservoir.scale_units(gain, shift)
    reservoir.reset()
    return gain, shift
