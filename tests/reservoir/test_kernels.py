"""Every reservoir kernel (and the core's RLS kernel) against a plain NumPy reference."""

import numpy as np
import pytest

from neurodyn._kernels import ACTIVATIONS as ACTIVATIONS_CODES
from neurodyn._kernels import rls_fit
from neurodyn.readouts import RLSState
from reservoir import _kernels

pytestmark = pytest.mark.kernels

ACTIVATIONS = {
    "tanh": np.tanh,
    "identity": lambda v: v,
    "relu": lambda v: np.maximum(v, 0.0),
    "sigmoid": lambda v: 1.0 / (1.0 + np.exp(-v)),
}


def reference_run(
    W, w_in, bias, leak, activation, inputs, state, w_fb=None, feedback=None, noise=None
):
    f = ACTIVATIONS[activation]
    states = []
    for t in range(inputs.shape[0]):
        pre = W @ state + w_in @ inputs[t] + bias
        if w_fb is not None:
            pre = pre + w_fb @ feedback[t]
        if noise is not None:
            pre = pre + noise[t]
        state = (1 - leak) * state + leak * f(pre)
        states.append(state)
    return np.array(states)


def random_problem(rng, n=30, n_in=2, n_fb=1, density=0.3):
    W = rng.normal(size=(n, n)) * (rng.random((n, n)) < density) * 0.3
    return (
        W,
        rng.uniform(-1, 1, (n, n_in)),
        rng.uniform(-0.2, 0.2, n),
        rng.uniform(-1, 1, (n, n_fb)),
    )


def bundle(W, w_in, w_fb, bias, leak, activation, dense):
    from neurodyn.compiled import weight_matrix
    from neurodyn.graph import as_csr

    return _kernels.ReservoirBundle(
        weight_matrix(as_csr(W), dense=dense, dtype=np.float64),
        np.ascontiguousarray(w_in.T),  # kernels take input weights transposed
        np.ascontiguousarray(w_fb.T),
        bias,
        leak,
        ACTIVATIONS_CODES[activation],
    )


@pytest.mark.parametrize("activation", list(ACTIVATIONS))
@pytest.mark.parametrize("dense", [False, True])
def test_run_matches_numpy(rng, activation, dense):
    W, w_in, bias, w_fb = random_problem(rng)
    inputs, feedback = rng.normal(size=(40, 2)), rng.normal(size=(40, 1))
    noise = 0.01 * rng.normal(size=(40, 30))
    start = rng.uniform(-0.5, 0.5, 30)
    state, out = start.copy(), np.empty((40, 30))
    bad = _kernels.run(
        bundle(W, w_in, w_fb, bias, 0.4, activation, dense),
        _kernels.Drive(inputs, feedback, noise),
        state,
        out,
    )
    expected = reference_run(W, w_in, bias, 0.4, activation, inputs, start, w_fb, feedback, noise)
    assert bad == -1
    np.testing.assert_allclose(out, expected, rtol=1e-13, atol=1e-14)
    np.testing.assert_array_equal(state, out[-1])


def test_run_reports_the_first_non_finite_step(rng):
    W, w_in, bias, _w_fb = random_problem(rng)
    inputs = rng.normal(size=(10, 2))
    inputs[6, 0] = np.inf
    out = np.empty((10, 30))
    no_feedback = np.zeros((10, 0))
    bad = _kernels.run(
        bundle(W, w_in, np.zeros((30, 0)), bias, 1.0, "tanh", False),
        _kernels.Drive(inputs, no_feedback, np.zeros((0, 30))),
        np.zeros(30),
        out,
    )
    assert bad == 6


@pytest.mark.parametrize("dense", [False, True])
def test_batch_equals_separate_runs(rng, dense):
    W, w_in, bias, w_fb = random_problem(rng)
    batch, steps = 5, 25
    inputs, feedback = rng.normal(size=(steps, batch, 2)), rng.normal(size=(steps, batch, 1))
    noise = 0.01 * rng.normal(size=(steps, 30, batch))
    start = rng.uniform(-0.5, 0.5, 30)
    states = np.ascontiguousarray(np.repeat(start[:, None], batch, axis=1))
    out = np.empty((batch, steps, 30))
    compiled = bundle(W, w_in, w_fb, bias, 0.7, "tanh", dense)
    drive = _kernels.Drive(inputs, feedback, noise)
    assert _kernels.run_batch(compiled, drive, states, np.empty_like(states), out) == -1
    for b in range(batch):
        expected = reference_run(
            W, w_in, bias, 0.7, "tanh", inputs[:, b], start, w_fb, feedback[:, b], noise[:, :, b]
        )
        np.testing.assert_allclose(out[b], expected, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("readout_input", [True, False])
def test_generate_closes_the_loop_like_numpy(rng, readout_input):
    n = 30
    W, w_in, bias, _ = random_problem(rng, n=n, n_in=1)
    w_out, b_out = rng.normal(size=(1, n)) * 0.1, np.array([0.05])
    w_out_in = np.array([[0.3]]) if readout_input else np.zeros((1, 0))
    start, u_last = rng.uniform(-0.5, 0.5, n), np.array([0.2])
    out_y, out_x = np.empty((20, 1)), np.empty((20, n))
    state = start.copy()
    bad = _kernels.generate(
        bundle(W, w_in, np.zeros((n, 0)), bias, 0.5, "tanh", False),
        _kernels.Readout(w_out, w_out_in, b_out),
        _kernels.ClosedLoop(True, False, np.zeros((20, 0))),
        u_last.copy(),
        state,
        out_y,
        out_x,
    )
    assert bad == -1
    x, u = start.copy(), u_last.copy()
    for s in range(20):
        y = w_out @ x + (w_out_in @ u if readout_input else 0.0) + b_out
        np.testing.assert_allclose(out_y[s], y, rtol=1e-13)
        u = y
        x = 0.5 * x + 0.5 * np.tanh(W @ x + w_in @ u + bias)
        np.testing.assert_allclose(out_x[s], x, rtol=1e-13, atol=1e-15)


def reference_rls(P, w, features, targets, forgetting):
    for phi, y in zip(features, targets, strict=True):
        p_phi = P @ phi
        gain = p_phi / (forgetting + phi @ p_phi)
        w = w - np.outer(w @ phi - y, gain)
        P = (P - np.outer(gain, p_phi)) / forgetting
    return P, w


def test_rls_matches_numpy(rng):
    features, targets = rng.normal(size=(50, 6)), rng.normal(size=(50, 2))
    P, w = np.eye(6) * 2.0, np.zeros((2, 6))
    P_ref, w_ref = reference_rls(P.copy(), w.copy(), features, targets, 0.98)
    assert rls_fit(RLSState(P, w), features, targets, 0.98) == -1
    np.testing.assert_allclose(P, P_ref, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(w, w_ref, rtol=1e-12, atol=1e-13)


def test_force_matches_numpy(rng):
    n = 25
    W, w_in, bias, w_fb = random_problem(rng, n=n, n_in=1, n_fb=1)
    inputs, targets = rng.normal(size=(30, 1)), np.sin(np.arange(30) / 3.0)[:, None]
    start = rng.uniform(-0.5, 0.5, n)
    P, w_out = np.eye(n + 1), np.zeros((1, n + 1))
    y_prev, out_y, state = np.array([0.1]), np.empty((30, 1)), start.copy()
    compiled = bundle(W, w_in, w_fb, bias, 0.6, "tanh", False)
    drive = _kernels.Drive(inputs, np.zeros((30, 1)), np.zeros((0, n)))
    rls = RLSState(P, w_out)
    assert _kernels.force(compiled, drive, targets, rls, 1.0, y_prev, state, out_y) == -1
    x, fb = start.copy(), np.array([0.1])
    P_ref, w_ref = np.eye(n + 1), np.zeros((1, n + 1))
    for t in range(30):
        x = 0.4 * x + 0.6 * np.tanh(W @ x + w_in @ inputs[t] + w_fb @ fb + bias)
        phi = np.append(x, 1.0)
        fb = w_ref @ phi
        np.testing.assert_allclose(out_y[t], fb, rtol=1e-11, atol=1e-13)
        P_ref, w_ref = reference_rls(P_ref, w_ref, phi[None], targets[t][None], 1.0)
    np.testing.assert_allclose(w_out, w_ref, rtol=1e-10, atol=1e-12)
