"""The neural history compressor (Schmidhuber 1991/1992): a stack of recurrent
next-symbol predictors, each passing upward only the inputs it failed to predict.

Level 0 reads every symbol of a stream and learns, online with truncated BPTT, to
predict the next one. After ``epochs`` passes (or earlier, once a pass improves its
loss by less than ``tol``: the paper's "stops improving") it is frozen, and level 1 is
trained on what level 0 could not predict: each surprising symbol together with a
code of *when* it came (the log of the steps since the level's previous input).
Level 2 reads level 1's surprises, and so on (the paper's "self-organising
multi-level predictor hierarchy"). Higher levels run on ever slower, data-driven
clocks, so a dependency across many raw steps is only a few of their steps long.

External targets ("labels", e.g. the class of a block asked at its end) are
learnt by a softmax head on every level. A query at raw time t is answered by a
level's state after its last input at or before t. On the long-lag task the
chunker's (level 1's) last input before the query is the block's start itself,
while level 0 read it twenty steps back. (The paper's hierarchy also has an
optional growth rule that adds levels as they plateau; here the depth is fixed.)

Optional second stage, the paper's "collapse" into automatizer and chunker
(``distill`` > 0): level 0 is trained further with a third loss term, a linear
head on its state that must reproduce level 1's state, so that the chunker's
knowledge moves down into the automatizer, which then answers the queries alone.

The inputs level 0 passed up (:meth:`describe`) determine the stream exactly:
:meth:`reconstruct` rebuilds it by running level 0 generatively, filling every
step that was not passed up with its most probable prediction. Higher levels
predict only the symbol of their next input, not its time, so this lossless
description is level 1's.

Sources: Schmidhuber, Neural Computation 4(2):234–242 (1992); TR FKI-148-91.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from neurodyn import io
from neurodyn._validation import check_choice, check_float, check_int
from neurodyn.errors import SimulationError
from neurodyn.progress import Progress, ProgressLike
from neurodyn.random import SeedLike, as_generator, seed_metadata
from rnn import _compressor_kernels as kernels
from rnn.surprise import SurpriseRule, as_rule, rule_config, rule_from_config

__all__ = ["Description", "NeuralHistoryCompressor"]

TIME_CODES = ("log_gap", "none")
_GAP_SCALE = np.log(64.0)  # the log-gap code is 1 for a gap of 63 steps
_CHUNK = 20_000  # steps per kernel call (progress granularity)


class Description(NamedTuple):
    """One sequence as level 0 passed it up: its length and the raw times and
    symbols of the inputs level 1 received."""

    length: int
    times: np.ndarray
    symbols: np.ndarray


class _Data(NamedTuple):
    """Sequences laid end to end: raw symbols (T,), sequence starts (T,) and label
    queries (T,) (-1 where none)."""

    symbols: np.ndarray
    starts: np.ndarray
    labels: np.ndarray
    bounds: np.ndarray  # (n + 1,) offsets of the sequences


@io.register("rnn.NeuralHistoryCompressor")
class NeuralHistoryCompressor(io.Saveable):
    """A stack of ``levels`` Elman next-symbol predictors (tanh, softmax heads),
    each trained online by Adam with BPTT truncated to ``truncate`` steps.

    Parameters
    ----------
    n_symbols : alphabet size V; sequences hold integers in [0, V).
    levels : depth of the hierarchy (1 is a single predictor).
    n_hidden : units per level (one number, or one per level).
    n_labels : classes of the label queries (0: no label head).
    surprise : when a level passes an input up: a threshold θ (the predicted
        probability of the actual symbol is below θ), or a rule of :mod:`rnn.surprise`.
    time_code : ``"log_gap"`` (an upper level also reads log(1 + steps since its
        previous input) / log 64) or ``"none"``.
    truncate : steps the error flows back through at every update.
    lr, clip : Adam's learning rate, and the bound on each update's gradient norm
        (None: no clipping).
    epochs : the most passes over the training stream per level.
    tol : a level is frozen early when a pass lowers its mean loss by less than this
        fraction (the paper's "stops improving"); None: always ``epochs`` passes.
    distill, distill_epochs, distill_lr : weight λ of the collapse stage's
        state-imitation loss (0: no collapse), its passes and its learning rate (lower
        than ``lr``: the automatizer's memory of the chunker's state is fragile).
    label_weight : weight of the label loss next to the next-symbol loss.
    average : decay of the running weight average a level is frozen with (Polyak
        averaging over about 1 / (1 - average) updates; 0: the last weights).

    Attributes (after :meth:`fit`)
    ------------------------------
    thetas_ : each level's flat parameter vector (layout in ``rnn/_compressor_kernels.py``).
    history_ : per level, a dict: ``inputs`` (how many it was trained on), ``loss`` (mean
        per input, per pass), ``online_surprises`` (bool per input: passed up by the
        rule during the first pass, as the level was learning) and, for level 0 with
        ``distill``, ``collapse_loss`` (per collapse pass) and
        ``automatizer_label_accuracy`` (on the training queries, before the collapse and
        after each of its passes). :meth:`load` restores the weights, not the history.
    """

    def __init__(
        self,
        n_symbols: int,
        *,
        levels: int = 2,
        n_hidden: int | tuple = 32,
        n_labels: int = 0,
        surprise: float | SurpriseRule = 0.95,
        time_code: str = "log_gap",
        truncate: int = 3,
        lr: float = 1e-2,
        clip: float | None = 1.0,
        epochs: int = 1,
        tol: float | None = None,
        distill: float = 0.0,
        distill_epochs: int = 1,
        distill_lr: float = 1e-3,
        label_weight: float = 1.0,
        average: float = 0.999,
        seed: SeedLike = None,
    ) -> None:
        owner = "NeuralHistoryCompressor"
        self.n_symbols = check_int(n_symbols, "n_symbols", low=2, owner=owner)
        self.levels = check_int(levels, "levels", low=1, owner=owner)
        sizes = (n_hidden,) * self.levels if np.isscalar(n_hidden) else tuple(n_hidden)
        if len(sizes) != self.levels:
            raise ValueError(
                f"{owner}.n_hidden: expected one size or {self.levels} (got {len(sizes)})"
            )
        self.n_hidden = tuple(check_int(h, "n_hidden", low=1, owner=owner) for h in sizes)
        self.n_labels = check_int(n_labels, "n_labels", low=0, owner=owner)
        self.surprise = as_rule(surprise, owner)
        self.time_code = check_choice(time_code, "time_code", TIME_CODES, owner=owner)
        self.truncate = check_int(truncate, "truncate", low=1, owner=owner)
        self.lr = check_float(lr, "lr", low=0.0, low_open=True, owner=owner)
        if clip is not None:
            check_float(clip, "clip", low=0.0, low_open=True, owner=owner)
        self.clip = clip
        self.epochs = check_int(epochs, "epochs", low=1, owner=owner)
        if tol is not None:
            check_float(tol, "tol", low=0.0, owner=owner)
        self.tol = tol
        self.distill = check_float(distill, "distill", low=0.0, owner=owner)
        if self.distill and self.levels < 2:
            raise ValueError(f"{owner}.distill: the collapse stage needs levels >= 2")
        self.distill_epochs = check_int(distill_epochs, "distill_epochs", low=1, owner=owner)
        self.distill_lr = check_float(distill_lr, "distill_lr", low=0.0, low_open=True, owner=owner)
        self.label_weight = check_float(label_weight, "label_weight", low=0.0, owner=owner)
        self.average = check_float(
            average, "average", low=0.0, high=1.0, high_open=True, owner=owner
        )
        self.seed = seed
        self.thetas_: list[np.ndarray] | None = None
        self.history_: list[dict] = []
        self._optimizers: list[kernels.Optimizer] = []

    # --- shapes and streams -----------------------------------------------------------------
    def _shape(self, level: int, mimic_weight: float = 0.0) -> kernels.LevelShape:
        """Level ``level``'s sizes and settings; a non-zero ``mimic_weight`` is the
        collapse stage's (which learns at ``distill_lr``)."""
        lr = self.distill_lr if mimic_weight else self.lr
        n_code = 1 if level > 0 and self.time_code == "log_gap" else 0
        n_mimic = self.n_hidden[1] if level == 0 and self.distill else 0
        return kernels.LevelShape(
            self.n_symbols, n_code, self.n_hidden[level], self.n_labels, n_mimic,
            self.truncate, lr, 0.9, 0.999, 1e-8, float(self.clip or 0.0),
            self.label_weight, float(mimic_weight), self.average,
        )  # fmt: skip

    def _data(self, sequences, labels=None) -> _Data:
        owner = "NeuralHistoryCompressor"
        seqs = _as_int_sequences(sequences, "sequences", owner)
        for sequence in seqs:
            if sequence.size and (sequence.min() < 0 or sequence.max() >= self.n_symbols):
                raise ValueError(f"{owner}.sequences: symbols must be in [0, {self.n_symbols})")
        lengths = np.array([len(s) for s in seqs], dtype=np.int64)
        if lengths.sum() == 0:
            raise ValueError(f"{owner}.sequences: expected at least one symbol")
        if labels is not None and self.n_labels == 0:
            raise ValueError(f"{owner}.labels: the model has n_labels=0 (no label head)")
        bounds = np.concatenate([[0], np.cumsum(lengths)])
        starts = np.zeros(bounds[-1], dtype=np.bool_)
        starts[bounds[:-1][lengths > 0]] = True
        queries = np.full(bounds[-1], -1, dtype=np.int64)
        if labels is not None:
            label_seqs = _as_int_sequences(labels, "labels", owner)
            if [len(s) for s in label_seqs] != lengths.tolist():
                raise ValueError(f"{owner}.labels: expected one label (or -1) per symbol")
            queries = np.concatenate(label_seqs) if label_seqs else queries
            if queries.size and (queries.min() < -1 or queries.max() >= self.n_labels):
                raise ValueError(
                    f"{owner}.labels: expected -1 (no query) or a class in [0, {self.n_labels})"
                )
        symbols = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.int64)
        return _Data(symbols.astype(np.int64), starts, queries, bounds)

    def _stream(
        self, level: int, times: np.ndarray, data: _Data, mimic=None
    ) -> kernels.LevelStream:
        """Level ``level``'s training stream; ``times`` are the raw times of its inputs."""
        shape = self._shape(level)
        symbols, starts = data.symbols[times], data.starts[times]
        gaps = np.diff(times, prepend=0)
        gaps[starts] = 0
        codes = (np.log1p(gaps) / _GAP_SCALE)[:, None][:, : shape.n_code].copy()
        next_symbols = np.full(len(times), -1, dtype=np.int64)
        follows = ~starts[1:]
        next_symbols[:-1][follows] = symbols[1:][follows]
        counts = np.zeros((len(times), self.n_labels))
        asked = np.flatnonzero(data.labels >= 0)
        if asked.size:
            answering = np.searchsorted(times, asked, side="right") - 1
            np.add.at(counts, (answering, data.labels[asked]), 1.0)
        if mimic is None:
            mimic = np.zeros((len(times), shape.n_mimic))
        return kernels.LevelStream(
            symbols, np.ascontiguousarray(codes), starts, next_symbols, counts, mimic
        )

    def _surprised(self, probs: np.ndarray, stream: kernels.LevelStream) -> np.ndarray:
        """Which inputs of a level it passes up: every sequence's first, and every one its
        prediction from the step before missed (by the rule, or by its argmax)."""
        surprised = stream.starts.copy()
        later = np.flatnonzero(~stream.starts)
        if later.size:
            predicted, actual = probs[later - 1], stream.symbols[later]
            missed = np.asarray(self.surprise(predicted, actual), dtype=bool)
            missed |= np.argmax(predicted, axis=1) != actual
            surprised[later] = missed
        return surprised

    # --- training ---------------------------------------------------------------------------
    def fit(
        self, sequences, labels=None, *, progress: ProgressLike = None
    ) -> NeuralHistoryCompressor:
        """Train level 0, freeze it, train level 1 on its surprises, and so on; then the
        collapse stage if ``distill`` > 0.

        sequences : one sequence of symbols (T,) or a list of them (each starts afresh).
        labels : the same shape; a class in [0, n_labels) where a label is asked, else -1.
        """
        data = self._data(sequences, labels)
        rng = as_generator(self.seed)
        self.thetas_, self.history_, self._optimizers = [], [], []
        passes = self.epochs * self.levels + (self.distill_epochs if self.distill else 0)
        with Progress(passes * len(data.symbols), progress, desc="NHC", auto=True) as bar:
            times = np.arange(len(data.symbols))
            for level in range(self.levels):
                shape = self._shape(level)
                theta = _initial_theta(shape, rng)
                stream = self._stream(level, times, data)
                self._optimizers.append(_optimizer(theta))
                history = self._train(
                    level, shape, theta, stream, self.epochs, bar, self._optimizers[level], rng
                )
                self.thetas_.append(theta)
                self.history_.append(history)
                bar.update(self.epochs * (len(data.symbols) - len(times)))  # inputs it never had
                probs = self._run(level, times, data)[1]
                times = times[self._surprised(probs, stream)]
            if self.distill:
                self._collapse(data, bar, rng)
        return self

    def _train(self, level, shape, theta, stream, epochs, bar, optimizer, rng) -> dict:
        """Passes of online training over ``stream`` (its sequences in a new random order
        each pass); the level keeps the running average of its weights (``average``),
        which smooths out the last updates' noise."""
        n = len(stream.symbols)
        hidden, losses = np.zeros((n, shape.n_hidden)), np.zeros(n)
        probs = np.zeros((n, shape.n_symbols))
        history = {"inputs": n, "loss": [], "online_surprises": None}
        whole = stream
        for epoch in range(epochs):
            order = _sequence_order(whole.starts, rng)
            stream = kernels.LevelStream(*(np.ascontiguousarray(part[order]) for part in whole))
            for start in range(0, n, _CHUNK):
                stop = min(start + _CHUNK, n)
                bad = kernels.train_level(
                    shape, theta, optimizer, stream, hidden, start, stop, losses, probs
                )
                if bad >= 0:
                    raise SimulationError(
                        f"NeuralHistoryCompressor: level {level} diverged at input {bad} of "
                        f"pass {epoch + 1} (non-finite loss or weights); lower lr or set clip"
                    )
                bar.update(stop - start)
            history["loss"].append(float(losses.mean()) if n else 0.0)
            if epoch == 0:  # in the stream's own order
                history["online_surprises"] = np.empty(n, dtype=bool)
                history["online_surprises"][order] = self._surprised(probs, stream)
            if self._plateaued(history["loss"]):
                bar.update((epochs - epoch - 1) * n)
                break
        theta[:] = optimizer.average
        return history

    def _plateaued(self, losses: list) -> bool:
        if self.tol is None or len(losses) < 2:
            return False
        return losses[-2] - losses[-1] < self.tol * abs(losses[-2])

    def _collapse(self, data: _Data, bar, rng) -> None:
        """The automatizer (level 0) learns to reproduce the chunker's (level 1's) state
        at every step, from the description the frozen hierarchy gave it. The chunker
        stays frozen (in the paper both nets go on learning together): where the
        collapse changes what level 0 passes up, the chunker is not retrained on it."""
        chunker_times = self._level_times(data, up_to=1)[1]
        chunker_hidden = self._run(1, chunker_times, data)[0]
        raw_times = np.arange(len(data.symbols))
        current = np.searchsorted(chunker_times, raw_times, side="right") - 1
        targets = np.ascontiguousarray(chunker_hidden[current])
        stream = self._stream(0, raw_times, data, mimic=targets)
        shape = self._shape(0, mimic_weight=self.distill)
        history = self.history_[0]
        history["collapse_loss"] = []  # next symbol, labels and the chunker's state together
        accuracy = [self._label_accuracy(0, data)] if self.n_labels else []
        for _ in range(self.distill_epochs):
            pass_history = self._train(
                0, shape, self.thetas_[0], stream, 1, bar, self._optimizers[0], rng
            )
            history["collapse_loss"].extend(pass_history["loss"])
            if self.n_labels:
                accuracy.append(self._label_accuracy(0, data))
        history["automatizer_label_accuracy"] = accuracy  # before the collapse, after each pass

    # --- running the frozen hierarchy -----------------------------------------------------------
    def _check_fitted(self) -> None:
        if self.thetas_ is None:
            raise RuntimeError("NeuralHistoryCompressor: call fit() first")

    def _run(self, level: int, times: np.ndarray, data: _Data):
        """Frozen level ``level`` over its inputs at raw ``times``: hidden, next-symbol and
        label probabilities, one row per input."""
        self._check_fitted()
        shape, stream = self._shape(level), self._stream(level, times, data)
        n = len(times)
        hidden, probs = np.zeros((n, shape.n_hidden)), np.zeros((n, shape.n_symbols))
        label_probs, mimic = np.zeros((n, shape.n_labels)), np.zeros((n, shape.n_mimic))
        kernels.run_level(
            shape, self.thetas_[level], stream.symbols, stream.codes, stream.starts,
            hidden, probs, label_probs, mimic,
        )  # fmt: skip
        return hidden, probs, label_probs, stream

    def _level_times(self, data: _Data, up_to: int | None = None) -> list[np.ndarray]:
        """The raw times of every level's inputs (of levels 0 to ``up_to``; level ``up_to``
        may be the one above the top: what the top passes up)."""
        self._check_fitted()
        times = [np.arange(len(data.symbols))]
        for level in range(self.levels - 1 if up_to is None else up_to):
            _, probs, _, stream = self._run(level, times[-1], data)
            times.append(times[-1][self._surprised(probs, stream)])
        return times

    def _at_raw_times(self, values: np.ndarray, times: np.ndarray, n: int) -> np.ndarray:
        """Per raw step, the row of ``values`` (one per input at ``times``) of the level's
        latest input at or before that step."""
        return values[np.searchsorted(times, np.arange(n), side="right") - 1]

    def input_counts(self, sequences) -> list[int]:
        """How many inputs each level receives on ``sequences`` (level 0: every symbol)."""
        return [len(t) for t in self._level_times(self._data(sequences))]

    def predict_labels(self, sequences, *, level: int | None = None) -> list[np.ndarray]:
        """Label probabilities (T, n_labels) at every step of each sequence, as level
        ``level`` (default: the top) would answer a query there."""
        if self.n_labels == 0:
            raise ValueError("NeuralHistoryCompressor.predict_labels: the model has n_labels=0")
        data = self._data(sequences)
        level = self._level_index(level)
        times = self._level_times(data, up_to=level)[level]
        label_probs = self._run(level, times, data)[2]
        return _split(self._at_raw_times(label_probs, times, len(data.symbols)), data)

    def _label_accuracy(self, level: int, data: _Data) -> float:
        asked = np.flatnonzero(data.labels >= 0)
        times = self._level_times(data, up_to=level)[level]
        label_probs = self._at_raw_times(self._run(level, times, data)[2], times, len(data.symbols))
        return float(np.mean(np.argmax(label_probs[asked], axis=1) == data.labels[asked]))

    def label_accuracy(self, sequences, labels, *, level: int | None = None) -> float:
        """Fraction of label queries (labels >= 0) that level ``level`` (default: the top)
        answers correctly."""
        data = self._data(sequences, labels)
        if not np.any(data.labels >= 0):
            raise ValueError("NeuralHistoryCompressor.label_accuracy: labels ask no query")
        return self._label_accuracy(self._level_index(level), data)

    def _level_index(self, level: int | None) -> int:
        if level is None:
            return self.levels - 1
        check_int(level, "level", low=0, owner="NeuralHistoryCompressor")
        if level >= self.levels:
            raise ValueError(
                f"NeuralHistoryCompressor.level: expected < {self.levels} (got {level})"
            )
        return level

    def predict_proba(self, sequences, *, upper_weight: float = 1.0) -> list[np.ndarray]:
        """The hierarchy's next-symbol probabilities (T, V) at every step of each sequence.

        Where level s is sure to be surprised by whatever comes next (its rule flags even
        its most probable symbol), the next symbol will be level s+1's next input, so
        level s+1's prediction counts: mixed in with weight ``upper_weight`` (1: it
        alone) with level s's own. Elsewhere level s's own is used. Level s+1 predicted
        at its last input, not knowing how many steps have passed since, so on streams
        where most steps are surprises (text) a weight below 1 predicts better; choose
        it on validation data. The test "sure to be surprised" assumes a rule that flags
        less probable symbols first, as both rules of :mod:`rnn.surprise` do.
        """
        upper_weight = check_float(
            upper_weight, "upper_weight", low=0.0, high=1.0, owner="NeuralHistoryCompressor"
        )
        data = self._data(sequences)
        n = len(data.symbols)
        times, per_level = np.arange(n), []  # each level's predictions at raw times
        for level in range(self.levels):
            _, probs, _, stream = self._run(level, times, data)
            per_level.append(self._at_raw_times(probs, times, n))
            times = times[self._surprised(probs, stream)]
        result = per_level[-1]
        for probs in reversed(per_level[:-1]):
            best = np.argmax(probs, axis=1)
            sure = np.asarray(self.surprise(probs, best), dtype=bool)
            mixed = upper_weight * result + (1.0 - upper_weight) * probs
            result = np.where(sure[:, None], mixed, probs)
        return _split(result, data)

    # --- the reduced description ------------------------------------------------------------------
    def describe(self, sequences) -> list[Description]:
        """What level 0 passes up for each sequence: the raw times and symbols of its surprises."""
        data = self._data(sequences)
        times = self._level_times(data, up_to=1)[1]
        out = []
        for start, stop in zip(data.bounds[:-1], data.bounds[1:], strict=True):
            mine = times[(times >= start) & (times < stop)]
            out.append(Description(int(stop - start), mine - start, data.symbols[mine].copy()))
        return out

    def reconstruct(self, description: Description) -> np.ndarray:
        """The sequence a :class:`Description` came from, rebuilt by level 0 alone."""
        self._check_fitted()
        length, times, symbols = _check_description(description, self.n_symbols)
        sequence = np.zeros(length, dtype=np.int64)
        surprised = np.zeros(length, dtype=np.bool_)
        sequence[times], surprised[times] = symbols, True
        starts = np.zeros(length, dtype=np.bool_)
        starts[:1] = True
        kernels.fill_predicted(
            self._shape(0), self.thetas_[0], surprised, sequence, np.zeros((length, 0)), starts
        )
        return sequence

    # --- saving ---------------------------------------------------------------------------------
    def _config(self) -> dict:
        return {
            "n_symbols": self.n_symbols, "levels": self.levels, "n_hidden": list(self.n_hidden),
            "n_labels": self.n_labels, "surprise": rule_config(self.surprise),
            "time_code": self.time_code, "truncate": self.truncate, "lr": self.lr,
            "clip": self.clip, "epochs": self.epochs, "tol": self.tol, "distill": self.distill,
            "distill_epochs": self.distill_epochs, "distill_lr": self.distill_lr,
            "label_weight": self.label_weight,
            "average": self.average,
        }  # fmt: skip

    def _io_state(self):
        self._check_fitted()
        arrays = {f"level{k}": theta for k, theta in enumerate(self.thetas_)}
        return arrays, self._config()

    @classmethod
    def _from_io_state(cls, arrays, config):
        settings = dict(config)
        settings["surprise"] = rule_from_config(settings["surprise"])
        model = cls(**settings)
        model.thetas_ = []
        for level in range(model.levels):
            theta = np.ascontiguousarray(arrays[f"level{level}"], dtype=np.float64)
            expected = kernels.parameter_count(model._shape(level))
            if theta.shape != (expected,):
                raise ValueError(
                    f"level{level}: expected {expected} parameters (got {theta.shape})"
                )
            model.thetas_.append(theta)
        return model

    def _io_seed(self):
        return seed_metadata(self.seed)

    def __repr__(self) -> str:
        return (
            f"NeuralHistoryCompressor(n_symbols={self.n_symbols}, levels={self.levels}, "
            f"n_hidden={self.n_hidden}, surprise={self.surprise!r})"
        )


def _initial_theta(shape: kernels.LevelShape, rng: np.random.Generator) -> np.ndarray:
    """PyTorch's default for recurrent and linear layers: U(-1/√H, 1/√H) everywhere."""
    bound = 1.0 / np.sqrt(shape.n_hidden)
    return rng.uniform(-bound, bound, kernels.parameter_count(shape))


def _check_description(description, n_symbols: int) -> tuple[int, np.ndarray, np.ndarray]:
    """A :class:`Description`'s fields, checked: what ``reconstruct`` may index with."""
    where = "NeuralHistoryCompressor.reconstruct: description"
    try:
        length, times, symbols = description
    except (TypeError, ValueError):
        raise TypeError(f"{where}: expected (length, times, symbols)") from None
    length = check_int(length, "length", low=0, owner=where)
    times, symbols = np.asarray(times), np.asarray(symbols)
    for name, values in (("times", times), ("symbols", symbols)):
        if values.ndim != 1 or not (values.size == 0 or np.issubdtype(values.dtype, np.integer)):
            raise ValueError(f"{where}.{name}: expected a 1-d integer array")
    if times.shape != symbols.shape:
        raise ValueError(f"{where}: {times.size} times but {symbols.size} symbols")
    if length and (times.size == 0 or times[0] != 0):
        raise ValueError(f"{where}.times: the first input (time 0) always goes up")
    if np.any(np.diff(times) <= 0) or (times.size and times[-1] >= length):
        raise ValueError(f"{where}.times: expected strictly increasing times in [0, {length})")
    if symbols.size and (symbols.min() < 0 or symbols.max() >= n_symbols):
        raise ValueError(f"{where}.symbols: expected symbols in [0, {n_symbols})")
    return length, times.astype(np.int64), symbols.astype(np.int64)


def _sequence_order(starts: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Indices that lay a stream's sequences (each beginning where ``starts``) out in a
    random order."""
    bounds = np.append(np.flatnonzero(starts), len(starts))
    if len(bounds) <= 2:
        return np.arange(len(starts))
    pieces = [np.arange(bounds[k], bounds[k + 1]) for k in rng.permutation(len(bounds) - 1)]
    return np.concatenate(pieces)


def _optimizer(theta: np.ndarray) -> kernels.Optimizer:
    zeros = np.zeros_like(theta)
    return kernels.Optimizer(zeros, zeros.copy(), np.zeros(1, dtype=np.int64), theta.copy())


def _as_int_sequences(value, name: str, owner: str) -> list[np.ndarray]:
    """One 1-d integer sequence, or a list of them, as a list of int64 arrays."""
    if isinstance(value, np.ndarray) and value.ndim == 1:
        value = [value]
    elif isinstance(value, np.ndarray) and value.ndim == 2:
        value = list(value)
    elif not isinstance(value, (list, tuple)) or (value and np.isscalar(value[0])):
        value = [value]
    out = []
    for item in value:
        array = np.asarray(item)
        if array.ndim != 1 or not (array.size == 0 or np.issubdtype(array.dtype, np.integer)):
            raise ValueError(
                f"{owner}.{name}: expected a 1-d integer sequence or a list of them "
                f"(got dtype {array.dtype}, shape {array.shape})"
            )
        out.append(array.astype(np.int64))
    return out


def _split(values: np.ndarray, data: _Data) -> list[np.ndarray]:
    return [values[a:b] for a, b in zip(data.bounds[:-1], data.bounds[1:], strict=True)]
