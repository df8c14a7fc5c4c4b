"""Training by backpropagation through time: minibatches, truncation, clipping, early stopping.

:func:`fit` drives a model through the seams every architecture implements
(``_forward``, ``_loss``, ``_backward``, ``_initial_state``, ``_window_state``;
this module is the family's own, so it may use them), ``params`` and
``get_weights``/``set_weights``: the loop is the same for every architecture. Steps:

1. each epoch shuffles the training sequences (the model's training stream) and
   cuts them into minibatches;
2. each minibatch is one update (full BPTT), or one update every k1 steps with
   the gradient back-propagated over the last k2 steps (truncated BPTT);
3. an update adds the L1/L2 penalties' gradients, clips by value and by global
   norm, and lets the optimizer move the parameters;
4. after each epoch the loss, the metric (NRMSE or accuracy, through
   :mod:`neurodyn.metrics`) and, with validation data, their validation values
   are recorded; early stopping watches the validation loss.
"""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np

from neurodyn import metrics
from neurodyn._validation import check_choice, check_float, check_int
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress, ProgressLike
from rnn.data import Batch, check_truncate
from rnn.optim import OPTIMIZERS, clip_by_global_norm, clip_by_value, make_optimizer

__all__ = ["History", "TrainingOptions", "fit", "score"]


@dataclass
class History:
    """Per-epoch record of a :meth:`RecurrentModel.fit` run.

    ``metric`` is NRMSE for the MSE loss (NaN where the targets are constant,
    which have none) and accuracy for cross-entropy; ``val_*`` are empty
    without validation data. ``best_epoch`` is the epoch
    whose weights were kept (the last one without early stopping).
    """

    loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    metric: list = field(default_factory=list)
    val_metric: list = field(default_factory=list)
    seconds: list = field(default_factory=list)
    metric_name: str = ""
    best_epoch: int = -1
    stopped_early: bool = False

    def as_dict(self) -> dict:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class TrainingOptions:
    """The settings of one :func:`fit` run, checked when made (see ``RecurrentModel.fit``)."""

    epochs: int = 10
    lr: float = 1e-3
    optimizer: str = "adam"
    batch_size: int = 32
    clip: float | None = None
    clip_value: float | None = None
    momentum: float = 0.9
    l1: float = 0.0
    l2: float = 0.0
    truncate: tuple[int, int] | None = None
    patience: int | None = None
    restore_best: bool = True
    shuffle: bool = True
    divergence: float | None = 1e3
    on_divergence: str = "raise"
    owner: str = "RecurrentModel"

    def __post_init__(self) -> None:
        owner = self.owner
        check_choice(self.optimizer, "optimizer", tuple(OPTIMIZERS), owner=owner)
        check_float(self.lr, "lr", low=0.0, low_open=True, owner=owner)
        check_int(self.epochs, "epochs", low=1, owner=owner)
        check_int(self.batch_size, "batch_size", low=1, owner=owner)
        check_float(self.l1, "l1", low=0.0, owner=owner)
        check_float(self.l2, "l2", low=0.0, owner=owner)
        for name in ("clip", "clip_value"):
            if getattr(self, name) is not None:
                check_float(getattr(self, name), name, low=0.0, low_open=True, owner=owner)
        if self.patience is not None:
            check_int(self.patience, "patience", low=1, owner=owner)
        if self.divergence is not None:
            check_float(self.divergence, "divergence", low=1.0, low_open=True, owner=owner)
        check_choice(self.on_divergence, "on_divergence", ("raise", "warn"), owner=owner)


def score(model, true: np.ndarray, predicted: np.ndarray) -> float:
    """The model's metric of counted outputs (n, n_out): NRMSE for MSE, accuracy for
    cross-entropy (both from :mod:`neurodyn.metrics`)."""
    if model.loss == "mse":
        return metrics.nrmse(true, predicted, constant="nan")
    return metrics.accuracy(np.argmax(true, axis=-1), np.argmax(predicted, axis=-1))


class _Trainer:
    """One fit: the optimizer, the options, and the updates they make."""

    def __init__(self, model, options: TrainingOptions) -> None:
        self.model, self.options = model, options
        self.optimizer = make_optimizer(options.optimizer, options.lr, options.momentum)
        self.first_loss: float | None = None  # of the first minibatch, before any update

    def _penalise(self, grads: dict) -> None:
        """Add the gradients of λ₁ Σ|w| + λ₂ Σ w² over the weight matrices (the reported
        loss stays the data loss)."""
        l1, l2 = self.options.l1, self.options.l2
        if not (l1 or l2):
            return
        for name, grad in grads.items():
            if name.startswith("weight"):
                weight = self.model.params[name]
                grad += l1 * np.sign(weight) + 2.0 * l2 * weight

    def _apply(self, grads: dict) -> None:
        self._penalise(grads)
        if self.options.clip_value is not None:
            clip_by_value(grads, self.options.clip_value)
        if self.options.clip is not None:
            clip_by_global_norm(grads, self.options.clip)
        self.optimizer.step(self.model.params, grads)

    def step(self, batch: Batch):
        """One update; returns the loss and (targets, outputs) of the counted steps."""
        model = self.model
        outputs, cache = model._forward(batch, rng=model._train_rng, teacher=True)
        loss, d_outputs = model._loss(outputs, batch)
        self._apply(model._backward(cache, d_outputs)[0])
        counted = batch.mask > 0
        return loss, (batch.targets[counted], outputs[counted])

    def truncated_step(self, batch: Batch):
        """Every k1 steps: forward over the last k2 steps from the saved (fixed) state,
        loss on the steps since the last update, backward, update."""
        model = self.model
        k1, k2 = self.options.truncate
        n_time = batch.inputs.shape[0]
        states = {0: model._initial_state(None, batch.size)}
        losses, counts, seen = [], [], []
        previous_end = 0
        for end in [*range(k1, n_time, k1), n_time]:
            begin = max(s for s in states if s <= max(0, end - k2))
            window = Batch(
                batch.inputs[begin:end],
                batch.targets[begin:end],
                batch.mask[begin:end].copy(),
                np.minimum(np.maximum(batch.lengths - begin, 1), end - begin),
            )
            window.mask[: previous_end - begin] = 0.0  # only the steps since the last update count
            previous_end = end
            if window.mask.sum() == 0:
                continue
            outputs, cache = model._forward(
                window, states[begin], rng=model._train_rng, teacher=True
            )
            loss, d_outputs = model._loss(outputs, window)
            grads = model._backward(cache, d_outputs)[0]
            for t in range(begin + 1, end + 1):
                states[t] = model._window_state(cache, t - begin)
            self._apply(grads)
            losses.append(loss)
            counts.append(window.mask.sum())
            counted = window.mask > 0
            seen.append((window.targets[counted], outputs[counted]))
        outcome = tuple(np.concatenate(part) for part in zip(*seen, strict=True))
        return float(np.average(losses, weights=counts)), outcome

    def epoch(self, train: Batch, number: int) -> tuple[float, float]:
        """One pass over the training sequences; returns (loss, metric)."""
        model, options = self.model, self.options
        n_train = train.size
        order = model._train_rng.permutation(n_train) if options.shuffle else np.arange(n_train)
        losses, sizes, seen = [], [], []
        for first in range(0, n_train, options.batch_size):
            part = train.select(order[first : first + options.batch_size])
            if options.truncate is None:
                loss, outcome = self.step(part)
            else:
                loss, outcome = self.truncated_step(part)
            if not np.isfinite(loss):
                raise SimulationError(
                    f"{options.owner}.fit: the loss became {loss} at epoch {number + 1}; "
                    "lower lr or set clip="
                )
            if self.first_loss is None:
                self.first_loss = loss  # before any update: the starting value
            losses.append(loss)
            sizes.append(part.size)
            seen.append(outcome)
        # the training metric of the outputs seen while training (no extra pass)
        true, predicted = (np.concatenate(part) for part in zip(*seen, strict=True))
        return float(np.average(losses, weights=sizes)), score(model, true, predicted)


def _validate(model, validation: Batch) -> tuple[float, float]:
    outputs, _ = model._forward(validation)
    counted = validation.mask > 0
    loss = model._loss(outputs, validation)[0]
    return loss, score(model, validation.targets[counted], outputs[counted])


def _check_divergence(options, loss: float, first: float, number: int) -> None:
    """A loss grown past ``divergence`` times its starting value: SimulationError (or a
    warning with ``on_divergence="warn"``)."""
    if options.divergence is None or not loss > options.divergence * max(first, 1e-12):
        return
    message = (
        f"{options.owner}.fit: diverging at epoch {number + 1}: the loss grew from {first:.3g} "
        f"to {loss:.3g} (more than divergence = {options.divergence:g} times); lower lr or "
        "set clip="
    )
    if options.on_divergence == "warn":
        warnings.warn(message, RuntimeWarning, stacklevel=4)
        return
    raise SimulationError(message)


def fit(
    model, train: Batch, mode: str, validation: Batch | None, options, progress: ProgressLike
) -> History:
    """Train ``model`` on ``train``; see ``RecurrentModel.fit`` for the options."""
    owner = options.owner
    if options.patience is not None and validation is None:
        raise ValueError(
            f"{owner}.patience: early stopping needs validation_split or validation_data"
        )
    if options.truncate is not None:
        options = replace(options, truncate=check_truncate(options.truncate, mode, owner))
    trainer = _Trainer(model, options)
    history = History(metric_name="nrmse" if model.loss == "mse" else "accuracy")
    best = (np.inf, model.get_weights(), -1)
    stale = 0
    with model._workspace(), np.errstate(over="ignore", invalid="ignore"):
        # overflow is caught as a non-finite loss, with the epoch named
        with Progress(options.epochs, progress, desc=f"{owner}.fit", unit="epoch") as report:
            for number in range(options.epochs):
                start = time.perf_counter()
                loss, metric = trainer.epoch(train, number)
                _check_divergence(options, loss, trainer.first_loss, number)
                history.loss.append(loss)
                history.metric.append(metric)
                history.seconds.append(time.perf_counter() - start)
                monitored = loss
                if validation is not None:
                    val_loss, val_metric = _validate(model, validation)
                    history.val_loss.append(val_loss)
                    history.val_metric.append(val_metric)
                    monitored = val_loss
                if monitored < best[0]:
                    best, stale = (monitored, model.get_weights(), number), 0
                else:
                    stale += 1
                report.update(1)
                if options.patience is not None and stale >= options.patience:
                    history.stopped_early = True
                    break
    if options.patience is not None and options.restore_best:
        model.set_weights(best[1])
        history.best_epoch = best[2]
    else:
        history.best_epoch = len(history.loss) - 1
    return history
