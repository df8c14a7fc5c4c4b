"""The reservoir's hyperparameters have one definition: the Reservoir's signature."""

import inspect

import pytest

from reservoir import ESN, Reservoir, reservoir_parameters


def test_reservoir_parameters_are_the_signature():
    parameters = reservoir_parameters()
    assert parameters["leak_rate"] == 1.0 and parameters["activation"] == "tanh"
    assert set(parameters) == {
        p.name
        for p in inspect.signature(Reservoir.__init__).parameters.values()
        if p.kind is p.KEYWORD_ONLY
    }


def test_esn_forwards_every_reservoir_parameter_and_rejects_others():
    esn = ESN(30, leak_rate=0.4, input_density=0.5, bias_scaling=0.1, noise=1e-3, seed=0)
    reservoir = esn.reservoir
    assert (reservoir.leak_rate, reservoir.input_density) == (0.4, 0.5)
    assert (reservoir.bias_scaling, reservoir.noise) == (0.1, 1e-3)
    with pytest.raises(TypeError, match=r"ESN: unknown parameter\(s\) \['leakrate'\]"):
        ESN(30, leakrate=0.4)
    with pytest.raises(TypeError, match="unknown parameter"):
        ESN(30, n_feedback=2)  # the ESN sets it from feedback=


def test_estimators_take_the_reservoirs_defaults():
    pytest.importorskip("sklearn")
    from reservoir.sklearn import ESNClassifier, ESNRegressor

    defaults = reservoir_parameters()
    for estimator in (ESNRegressor, ESNClassifier):
        for name, parameter in inspect.signature(estimator.__init__).parameters.items():
            if name in defaults and name not in ("spectral_radius", "n_inputs"):
                assert parameter.default == defaults[name], (estimator.__name__, name)
        # None means 0.9 for a generated W: the estimators say so explicitly
        assert inspect.signature(estimator.__init__).parameters["spectral_radius"].default == 0.9


def test_harness_esn_takes_the_reservoirs_defaults():
    from neurodyn.harness.models import ESNAdapter

    defaults = reservoir_parameters()
    chosen = {"spectral_radius": 0.9, "bias_scaling": 0.2}  # the harness's own choices
    for name in ("leak_rate", "input_scaling", "density", "noise"):
        assert ESNAdapter.defaults[name] == defaults[name]
    for name, value in chosen.items():
        assert ESNAdapter.defaults[name] == value
    esn_signature = inspect.signature(ESN).parameters
    assert ESNAdapter.defaults["ridge"] == esn_signature["ridge"].default
