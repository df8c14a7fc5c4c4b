"""scikit-learn estimators around the ESN (requires scikit-learn >= 1.6).

* :class:`ESNRegressor` reads the rows of X as consecutive **time steps** of one
  series and predicts y row by row. Rows are not independent, so use
  ``TimeSeriesSplit``, never shuffled K-fold, to cross-validate.
* :class:`ESNClassifier` gives **one label per sequence**: each row of X is a
  whole sequence (``n_inputs`` features per step, so a row holds
  ``T * n_inputs`` values), or X is a (n_sequences, T, n_inputs) array. The
  label is read from the last (or the mean) reservoir state.

Both follow scikit-learn's conventions: ``__init__`` only stores its
arguments, ``fit`` returns ``self`` and forgets earlier fits, learned
attributes end in ``_``, and every ``fit`` and ``predict`` starts from the zero
state, so calls are independent of each other.
"""

from __future__ import annotations

import inspect
import numbers

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, validate_data

from neurodyn.readouts import Ridge
from reservoir.esn import ESN
from reservoir.reservoir import Reservoir, reservoir_parameters

__all__ = ["ESNClassifier", "ESNRegressor"]

# Defaults come from the Reservoir's signature, the one definition of the hyperparameters
# (scikit-learn needs them spelled out in each estimator's own signature).
_DEFAULT = reservoir_parameters()
_GENERATED_SPECTRAL_RADIUS = 0.9  # what Reservoir's spectral_radius=None means for a generated W


def _seed_from(random_state):
    """An ESN seed from scikit-learn's ``random_state`` (None, int or RandomState)."""
    if random_state is None or isinstance(random_state, numbers.Integral):
        return random_state
    return int(check_random_state(random_state).randint(2**31 - 1))


def _store_arguments(estimator, arguments: dict) -> None:
    """What scikit-learn asks of ``__init__``: store every argument, unchanged, under its name."""
    for name in inspect.signature(type(estimator).__init__).parameters:
        if name != "self":
            setattr(estimator, name, arguments[name])


class _ESNParams:
    """Reservoir hyperparameters shared by both estimators."""

    def _reservoir_kwargs(self) -> dict:
        """The estimator's parameters that are the Reservoir's, and the seed."""
        names = inspect.signature(type(self).__init__).parameters
        shared = {name: getattr(self, name) for name in names if name in _DEFAULT}
        shared.pop("n_inputs", None)  # the classifier's n_inputs is per row; fit resolves it
        return shared | {"seed": _seed_from(self.random_state)}


class ESNRegressor(_ESNParams, RegressorMixin, BaseEstimator):
    """Echo state network regressor over one time series (rows = time steps).

    Parameters
    ----------
    n_units, spectral_radius, leak_rate, input_scaling, density, input_density,
    bias_scaling, activation, noise
        Reservoir hyperparameters (see :class:`reservoir.Reservoir`).
    ridge : float
        Ridge regularisation of the readout.
    washout : int
        Leading time steps left out of the fit.
    readout_input : bool
        Let the readout see the input too (then the model contains linear regression).
    random_state : None, int or RandomState
        Seed of the reservoir's weights and noise.

    Attributes
    ----------
    esn_ : ESN
        The fitted network.
    n_features_in_ : int
    """

    def __init__(
        self,
        n_units=100,
        *,
        spectral_radius=_GENERATED_SPECTRAL_RADIUS,
        leak_rate=_DEFAULT["leak_rate"],
        input_scaling=_DEFAULT["input_scaling"],
        density=_DEFAULT["density"],
        input_density=_DEFAULT["input_density"],
        bias_scaling=_DEFAULT["bias_scaling"],
        activation=_DEFAULT["activation"],
        noise=_DEFAULT["noise"],
        ridge=1e-6,
        washout=0,
        readout_input=True,
        random_state=None,
    ):
        _store_arguments(self, locals())

    def fit(self, X, y):
        """Fit on one series: X (n_steps, n_features), y (n_steps,) or (n_steps, n_outputs)."""
        X, y = validate_data(self, X, y, multi_output=True, y_numeric=True, dtype=np.float64)
        self._y_1d = y.ndim == 1
        targets = y[:, None] if self._y_1d else y
        self.esn_ = ESN(
            self.n_units,
            ridge=self.ridge,
            washout=self.washout,
            readout_input=self.readout_input,
            **self._reservoir_kwargs(),
        )
        self.esn_.fit(X, targets, progress=False)
        return self

    def predict(self, X):
        """Predict from the zero state: X (n_steps, n_features) → (n_steps,) or (n_steps, n_outputs)."""
        check_is_fitted(self, "esn_")
        X = validate_data(self, X, reset=False, dtype=np.float64)
        outputs = self.esn_.predict(X, reset=True, progress=False)
        return outputs[:, 0] if self._y_1d else outputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = self.random_state is None
        tags.target_tags.multi_output = True
        return tags


class ESNClassifier(_ESNParams, ClassifierMixin, BaseEstimator):
    """Echo state network sequence classifier: one label per sequence.

    Every sequence runs from the zero state (all of them at once, as one batch);
    a ridge readout maps the last or the mean state to one-hot class scores.

    Parameters
    ----------
    n_units, spectral_radius, leak_rate, input_scaling, density, input_density,
    bias_scaling, activation, noise
        Reservoir hyperparameters (see :class:`reservoir.Reservoir`).
    n_inputs : int
        Features per time step; a row of a 2-d X holds ``T * n_inputs`` values,
        step after step. Ignored for 3-d X, whose last axis gives it.
    state : {"last", "mean"}
        Which summary of the state trajectory the readout reads.
    ridge : float
        Ridge regularisation of the readout.
    random_state : None, int or RandomState
        Seed of the reservoir's weights and noise.

    Attributes
    ----------
    classes_ : ndarray
    esn_reservoir_ : Reservoir
    readout_ : Ridge
    n_features_in_ : int
    """

    def __init__(
        self,
        n_units=100,
        *,
        spectral_radius=_GENERATED_SPECTRAL_RADIUS,
        leak_rate=_DEFAULT["leak_rate"],
        input_scaling=_DEFAULT["input_scaling"],
        density=_DEFAULT["density"],
        input_density=_DEFAULT["input_density"],
        bias_scaling=_DEFAULT["bias_scaling"],
        activation=_DEFAULT["activation"],
        noise=_DEFAULT["noise"],
        n_inputs=1,
        state="last",
        ridge=1e-6,
        random_state=None,
    ):
        _store_arguments(self, locals())

    def _as_rows(self, X):
        """Accept a 3-d (n_sequences, T, n_inputs) array by flattening each sequence to a row."""
        array = np.asarray(X) if not hasattr(X, "iloc") else X
        if getattr(array, "ndim", 2) == 3:
            n_sequences, n_steps, n_inputs = array.shape
            return array.reshape(n_sequences, n_steps * n_inputs), n_inputs
        return X, None

    def _sequences(self, rows: np.ndarray) -> np.ndarray:
        n_inputs = self.n_inputs_
        return rows.reshape(rows.shape[0], rows.shape[1] // n_inputs, n_inputs)

    def _summaries(self, rows: np.ndarray, *, training: bool = False) -> np.ndarray:
        """Last or mean state of each sequence; ``noise`` applies while training only."""
        return self.esn_reservoir_.summarize(self._sequences(rows), self.state, with_noise=training)

    def fit(self, X, y):
        """Fit on sequences X (n_sequences, T * n_inputs) or (n_sequences, T, n_inputs), labels y."""
        X, n_inputs = self._as_rows(X)
        X, y = validate_data(self, X, y, dtype=np.float64)
        if self.state not in ("last", "mean"):
            raise ValueError(f"ESNClassifier.state: expected 'last' or 'mean' (got {self.state!r})")
        self.n_inputs_ = n_inputs or self.n_inputs
        if (
            not isinstance(self.n_inputs_, numbers.Integral)
            or self.n_inputs_ < 1
            or X.shape[1] % self.n_inputs_
        ):
            raise ValueError(
                f"ESNClassifier.n_inputs: {X.shape[1]} features per row are not whole steps of "
                f"{self.n_inputs_} inputs"
            )
        self._binarizer = LabelBinarizer(neg_label=-1, pos_label=1)
        targets = self._binarizer.fit_transform(y).astype(np.float64)
        self.classes_ = self._binarizer.classes_
        if targets.shape[1] == 1 and self.classes_.size == 2:
            targets = np.hstack([-targets, targets])
        self.esn_reservoir_ = Reservoir(
            self.n_units, n_inputs=self.n_inputs_, **self._reservoir_kwargs()
        )
        self.readout_ = Ridge(self.ridge).fit(self._summaries(X, training=True), targets)
        return self

    def _scores(self, X) -> np.ndarray:
        check_is_fitted(self, "readout_")
        X, _ = self._as_rows(X)
        X = validate_data(self, X, reset=False, dtype=np.float64)
        return self.readout_.predict(self._summaries(X))

    def decision_function(self, X):
        """Class scores (n_sequences, n_classes); for two classes, (n_sequences,)
        with positive values meaning ``classes_[1]``."""
        scores = self._scores(X)
        return scores[:, 1] - scores[:, 0] if self.classes_.size == 2 else scores

    def predict(self, X):
        """Label of each sequence."""
        scores = self._scores(X)
        if self.classes_.size == 1:
            return np.full(scores.shape[0], self.classes_[0])
        return self.classes_[np.argmax(scores, axis=1)]
