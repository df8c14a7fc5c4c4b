"""Echo state networks: reservoirs, linear readouts and scikit-learn estimators.

from reservoir import ESN
esn = ESN(n_units=500, spectral_radius=0.9, leak_rate=0.3, ridge=1e-6, washout=100, seed=0)
esn.fit(X_train, Y_train)
Y_pred = esn.predict(X_test)
"""

from neurodyn.readouts import RLS, Ridge  # the core's readouts, under the names users know
from reservoir.esn import ESN
from reservoir.reservoir import Reservoir, reservoir_parameters

__all__ = [
    "ESN",
    "RLS",
    "ESNClassifier",
    "ESNRegressor",
    "Reservoir",
    "Ridge",
    "reservoir_parameters",
]


def __getattr__(name):
    # The scikit-learn estimators import scikit-learn, an optional dependency.
    if name in ("ESNRegressor", "ESNClassifier"):
        from reservoir import sklearn

        return getattr(sklearn, name)
    raise AttributeError(f"module 'reservoir' has no attribute {name!r}")
