"""Error and capacity measures.

Arrays are time-first, ``(n_steps,)`` or ``(n_steps, n_outputs)``. Multi-output
scores are computed per output column and then averaged, unless
``multioutput="raw_values"``, which returns one value per column.
"""

from __future__ import annotations

import numpy as np

from neurodyn._validation import as_float_array, check_choice

__all__ = [
    "accuracy",
    "auroc",
    "memory_capacity",
    "mse",
    "nrmse",
    "precision_at_count",
    "r2",
    "rmse",
]


def _pair(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    true = as_float_array(y_true, "y_true", ndim=(1, 2))
    pred = as_float_array(y_pred, "y_pred", ndim=(1, 2))
    if true.ndim == 1:
        true = true[:, None]
    if pred.ndim == 1:
        pred = pred[:, None]
    if true.shape != pred.shape:
        raise ValueError(f"y_pred: shape {pred.shape} does not match y_true's {true.shape}")
    if true.shape[0] == 0:
        raise ValueError("y_true: is empty")
    return true, pred


def _reduce(values: np.ndarray, multioutput: str):
    check_choice(multioutput, "multioutput", ("uniform_average", "raw_values"))
    return values if multioutput == "raw_values" else float(np.mean(values))


def mse(y_true, y_pred, *, multioutput: str = "uniform_average"):
    """Mean squared error."""
    true, pred = _pair(y_true, y_pred)
    return _reduce(np.mean((true - pred) ** 2, axis=0), multioutput)


def rmse(y_true, y_pred, *, multioutput: str = "uniform_average"):
    """Root mean squared error."""
    true, pred = _pair(y_true, y_pred)
    return _reduce(np.sqrt(np.mean((true - pred) ** 2, axis=0)), multioutput)


def nrmse(y_true, y_pred, *, multioutput: str = "uniform_average", constant: str = "raise"):
    """RMSE divided by the **standard deviation of the target** (per column).

    ``nrmse = sqrt(mean((y - ŷ)²)) / std(y)``: 0 is perfect, 1 is what
    predicting the target's mean gives. (reservoirpy's default normalises by the
    range max - min instead, which gives smaller numbers.) A constant target
    column has no NRMSE: it raises ``ValueError``, or with ``constant="nan"``
    gives NaN (for a training log that must not stop over a metric).
    """
    check_choice(constant, "constant", ("raise", "nan"))
    true, pred = _pair(y_true, y_pred)
    scale = np.std(true, axis=0)
    if np.any(scale == 0):
        if constant == "nan":
            return _reduce(np.full(true.shape[1], np.nan), multioutput)
        raise ValueError("y_true: a column is constant, so its NRMSE is undefined")
    return _reduce(np.sqrt(np.mean((true - pred) ** 2, axis=0)) / scale, multioutput)


def r2(y_true, y_pred, *, multioutput: str = "uniform_average"):
    """Coefficient of determination, 1 - SS_res / SS_tot (per column)."""
    true, pred = _pair(y_true, y_pred)
    total = np.sum((true - true.mean(axis=0)) ** 2, axis=0)
    if np.any(total == 0):
        raise ValueError("y_true: a column is constant, so its R² is undefined")
    return _reduce(1.0 - np.sum((true - pred) ** 2, axis=0) / total, multioutput)


def accuracy(labels_true, labels_pred) -> float:
    """Fraction of equal labels."""
    true = np.asarray(labels_true)
    pred = np.asarray(labels_pred)
    if true.shape != pred.shape or true.ndim != 1 or true.size == 0:
        raise ValueError(
            f"labels_pred: expected a non-empty 1-d array shaped like labels_true "
            f"(got {pred.shape} and {true.shape})"
        )
    return float(np.mean(true == pred))


def _labels_and_scores(labels, scores) -> tuple[np.ndarray, np.ndarray]:
    labels = np.asarray(labels).astype(bool)
    scores = as_float_array(scores, "scores", ndim=1)
    if labels.shape != scores.shape or labels.ndim != 1:
        raise ValueError(f"scores: expected one per label (got {scores.shape} and {labels.shape})")
    if labels.all() or not labels.any():
        raise ValueError("labels: need both positives and negatives")
    return labels, scores


def auroc(labels, scores) -> float:
    """Area under the ROC curve of ``scores`` (n,) for binary ``labels`` (n,): the
    probability that a random positive scores above a random negative, ties counting
    half (the Mann–Whitney statistic, from average ranks)."""
    labels, scores = _labels_and_scores(labels, scores)
    order = np.argsort(scores, kind="mergesort")
    ranks = np.empty(scores.size)
    sorted_scores = scores[order]
    # average rank of each run of equal scores
    starts = np.flatnonzero(np.r_[True, sorted_scores[1:] != sorted_scores[:-1]])
    ends = np.r_[starts[1:], scores.size]
    for start, end in zip(starts, ends, strict=True):
        ranks[order[start:end]] = 0.5 * (start + end - 1) + 1.0
    n_pos, n_neg = labels.sum(), (~labels).sum()
    return float((ranks[labels].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def precision_at_count(labels, scores) -> float:
    """Fraction of positives among the k highest ``scores``, k the number of positive
    ``labels`` (ties broken by position)."""
    labels, scores = _labels_and_scores(labels, scores)
    count = int(labels.sum())
    top = np.argsort(-scores, kind="mergesort")[:count]
    return float(labels[top].mean())


def memory_capacity(targets, predictions, *, per_delay: bool = False):
    """Jaeger's memory capacity, MC = Σ_k r²(y_k, u(t-k)).

    Parameters
    ----------
    targets : array, shape (n_steps, n_delays)
        Column k-1 is the input delayed by k steps (see
        :func:`neurodyn.tasks.memory_capacity`).
    predictions : array, same shape
        The readout's reconstruction of each delayed input.
    per_delay : bool
        Also return the array of MC_k, shape (n_delays,).

    ``r²`` is the squared Pearson correlation; a constant prediction counts 0.
    """
    true, pred = _pair(targets, predictions)
    true = true - true.mean(axis=0)
    pred = pred - pred.mean(axis=0)
    cov = np.sum(true * pred, axis=0)
    norms = np.sum(true**2, axis=0) * np.sum(pred**2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.where(norms > 0, cov**2 / norms, 0.0)
    total = float(np.sum(values))
    return (total, values) if per_delay else total
