import numpy as np
import pytest
from scipy.integrate import solve_ivp

from neurodyn import tasks
from neurodyn.errors import SimulationError


def mackey_glass_by_method_of_steps(t_end, tau=17.0, x0=1.2, a=0.2, b=0.1, n=10):
    """Independent reference: integrate one delay interval at a time with DOP853,
    reading x(t - τ) from the dense output of the previous interval."""
    pieces, start, x = [], 0.0, x0
    while start < t_end:
        previous = pieces[-1] if pieces else None

        def rate(t, y, previous=previous):
            delayed = x0 if previous is None else previous(t - tau)[0]
            return [a * delayed / (1 + delayed**n) - b * y[0]]

        solution = solve_ivp(
            rate,
            (start, start + tau),
            [x],
            method="DOP853",
            rtol=1e-13,
            atol=1e-13,
            dense_output=True,
        )
        pieces.append(solution.sol)
        x, start = solution.y[0, -1], start + tau

    def evaluate(times):
        return np.array([pieces[min(int(t // tau), len(pieces) - 1)](t)[0] for t in times])

    return evaluate


def test_mackey_glass_matches_an_independent_solver_with_fourth_order_convergence():
    reference = mackey_glass_by_method_of_steps(300.0)(np.arange(300.0))
    errors = [
        np.max(np.abs(tasks.mackey_glass(300, dt=dt)[:, 0] - reference)) for dt in (0.5, 0.25, 0.1)
    ]
    assert errors[2] < 1e-8
    assert 10 < errors[0] / errors[1] < 25  # halving dt divides the error by ~2^4


def test_mackey_glass_attractor_and_sampling():
    series = tasks.mackey_glass(3000, discard=500)
    assert series.shape == (3000, 1)
    assert 0.2 < series.min() < 0.5 and 1.2 < series.max() < 1.4  # the tau = 17 attractor
    coarse = tasks.mackey_glass(100, sample_step=2.0)
    fine = tasks.mackey_glass(200)
    np.testing.assert_allclose(coarse[:, 0], fine[::2, 0], atol=1e-12)
    assert np.array_equal(tasks.mackey_glass(50, seed=3), tasks.mackey_glass(50, seed=3))
    assert not np.array_equal(tasks.mackey_glass(50, seed=3), tasks.mackey_glass(50, seed=4))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"tau": 17.05}, "tau"),
        ({"dt": 0.3}, "multiple"),
        ({"n_steps": 0}, "n_steps"),
        ({"tau": -1.0}, "tau"),
    ],
)
def test_mackey_glass_bad_arguments(kwargs, match):
    arguments = {"n_steps": 10} | kwargs
    with pytest.raises(ValueError, match=match):
        tasks.mackey_glass(**arguments)


def test_narma_matches_the_recurrence():
    u, y = tasks.narma(500, order=10, seed=0)
    assert u.shape == y.shape == (500, 1)
    assert 0.0 <= u.min() and u.max() <= 0.5
    reference, previous = [], np.zeros(10)  # y(t), y(t-1), ... y(t-9)
    inputs = np.concatenate([np.zeros(9), u[:, 0]])
    for t in range(500):
        following = (
            0.3 * previous[0]
            + 0.05 * previous[0] * previous.sum()
            + 1.5 * inputs[t] * inputs[t + 9]
            + 0.1
        )
        reference.append(following)
        previous = np.concatenate([[following], previous[:-1]])
    np.testing.assert_allclose(y[:, 0], reference, rtol=1e-14)


def test_narma_divergence_is_reported():
    with pytest.raises(SimulationError, match="diverged"):
        tasks.narma(3000, order=30, seed=0)


def test_lorenz_matches_scipy():
    series = tasks.lorenz(201, dt=0.01)

    def rate(t, s):
        return [10 * (s[1] - s[0]), s[0] * (28 - s[2]) - s[1], s[0] * s[1] - 8 / 3 * s[2]]

    reference = solve_ivp(
        rate,
        (0, 2),
        [1.0, 1.0, 1.0],
        t_eval=np.linspace(0, 2, 201),
        rtol=1e-12,
        atol=1e-12,
        method="DOP853",
    )
    np.testing.assert_allclose(series, reference.y.T, atol=1e-6)


def test_memory_capacity_targets_are_delayed_inputs():
    u, targets = tasks.memory_capacity(100, 5, seed=0)
    assert u.shape == (100, 1) and targets.shape == (100, 5)
    for k in range(1, 6):
        np.testing.assert_array_equal(targets[k:, k - 1], u[:-k, 0])
    assert np.all(np.abs(u) <= 1)


def test_to_forecasting_and_split():
    series = np.arange(20.0)[:, None]
    X, Y = tasks.to_forecasting(series, forecast=2)
    np.testing.assert_array_equal(Y - X, 2.0)
    X_train, X_test, Y_train, _Y_test = tasks.to_forecasting(series, test_size=5)
    assert X_train.shape == (14, 1) and X_test.shape == (5, 1)
    assert X_test[0, 0] == 14.0 and Y_train[-1, 0] == 14.0
    X_train, X_test, *_ = tasks.to_forecasting(series, test_size=0.25)
    assert X_test.shape[0] == 5
    with pytest.raises(ValueError, match="forecast"):
        tasks.to_forecasting(series, forecast=20)


def test_normalize_fits_on_reference():
    train, test = np.array([[0.0], [10.0]]), np.array([[5.0], [20.0]])
    np.testing.assert_allclose(tasks.normalize(train), [[-1.0], [1.0]])
    np.testing.assert_allclose(tasks.normalize(test, reference=train), [[0.0], [3.0]])
