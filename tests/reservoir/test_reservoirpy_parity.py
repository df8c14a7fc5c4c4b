"""Given the same W, W_in and bias, our reservoir is reservoirpy's (run when it is installed)."""

import numpy as np
import pytest

pytest.importorskip("reservoirpy")
from reservoirpy.nodes import Reservoir as PeerReservoir
from reservoirpy.nodes import Ridge as PeerRidge

from reservoir import Reservoir, Ridge


@pytest.mark.parametrize(
    ("n_units", "leak_rate", "dtype_rtol"), [(100, 0.3, 1e-12), (1200, 1.0, 1e-12)]
)
def test_states_equal_reservoirpy(rng, n_units, leak_rate, dtype_rtol):
    inputs = rng.uniform(-1, 1, (300, 2))
    bias = rng.uniform(-0.2, 0.2, n_units)
    peer = PeerReservoir(
        n_units,
        lr=leak_rate,
        sr=0.9,
        input_connectivity=0.5,
        rc_connectivity=0.05,
        bias=bias,
        seed=4,
    )
    expected = peer.run(inputs)
    ours = Reservoir(W=peer.W, W_in=peer.Win.toarray(), bias=bias, leak_rate=leak_rate)
    np.testing.assert_allclose(ours.run(inputs), expected, rtol=dtype_rtol, atol=1e-12)
    # the same holds for a batch and for the thread-parallel kernel
    ours.reset()
    batched = Reservoir(
        W=peer.W, W_in=peer.Win.toarray(), bias=bias, leak_rate=leak_rate, parallel=True
    )
    np.testing.assert_allclose(batched.run(inputs[None].repeat(3, axis=0))[2], expected, atol=1e-12)


def test_ridge_equals_reservoirpy(rng):
    X = np.tanh(rng.normal(size=(500, 50)))
    Y = X[:, :2] @ rng.normal(size=(2, 3)) + 0.01 * rng.normal(size=(500, 3))
    peer = PeerRidge(ridge=1e-4).fit(X, Y)
    ours = Ridge(1e-4).fit(X, Y)
    np.testing.assert_allclose(ours.coef_.T, peer.Wout, rtol=1e-8, atol=1e-12)
    np.testing.assert_allclose(ours.intercept_, np.ravel(peer.bias), rtol=1e-8, atol=1e-12)
