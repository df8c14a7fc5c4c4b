"""Sequences as the recurrent models consume them: time-major batches and their modes.

Sequence modes, chosen from the shapes of X and Y:

* many-to-many: X (B, T, n_in), Y (B, T, n_out) — a target at every step;
* many-to-one: X (B, T, n_in), Y (B, n_out) — a target after the last step;
* one-to-many: X (B, n_in) given at the first step (zeros after), Y (B, T, n_out);
* one-to-one: X (B, n_in), Y (B, n_out) — one step.

For the softmax output (cross-entropy loss) Y may also hold integer class
labels, (B, T) or (B,). Variable-length sequences take ``lengths`` (B,): steps
at or beyond a sequence's length neither count in the loss nor change its
final state.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from neurodyn._validation import as_float_array, check_float, check_int

__all__ = ["Batch", "make_batch", "split_validation"]


@dataclass
class Batch:
    """A minibatch in time-major form."""

    inputs: np.ndarray  # (T, B, n_in)
    targets: np.ndarray | None  # (T, B, n_out)
    mask: np.ndarray | None  # (T, B): 1 where the loss counts
    lengths: np.ndarray  # (B,)

    @property
    def size(self) -> int:
        return self.inputs.shape[1]

    def select(self, rows) -> Batch:
        """The sequences ``rows`` (an index array or a slice)."""
        return Batch(
            self.inputs[:, rows], self.targets[:, rows], self.mask[:, rows], self.lengths[rows]
        )


def _targets(model, Y, batch: int) -> np.ndarray:
    """Targets as floats with n_out columns (integer class labels become one-hot rows)."""
    owner = type(model).__name__
    array = np.asarray(Y)
    if model.output == "softmax" and np.issubdtype(array.dtype, np.integer):
        if array.ndim not in (1, 2) or array.min() < 0 or array.max() >= model.n_out:
            raise ValueError(
                f"{owner}.Y: class labels must be integers in [0, {model.n_out}), shaped (B,) or (B, T)"
            )
        array = np.eye(model.n_out, dtype=model.dtype)[array]
    targets = as_float_array(array, "Y", ndim=(2, 3), dtype=model.dtype, owner=owner)
    if targets.shape[0] != batch or targets.shape[-1] != model.n_out:
        raise ValueError(
            f"{owner}.Y: expected shape ({batch}, n_out={model.n_out}) or ({batch}, T, {model.n_out}) "
            f"(got {targets.shape})"
        )
    return targets


def _lengths(lengths, batch: int, n_time: int, owner: str) -> np.ndarray:
    if lengths is None:
        return np.full(batch, n_time, dtype=np.int64)
    lengths = np.asarray(lengths)
    if lengths.shape != (batch,) or not np.issubdtype(lengths.dtype, np.integer):
        raise ValueError(f"{owner}.lengths: expected {batch} integers")
    if lengths.min() < 1 or lengths.max() > n_time:
        raise ValueError(f"{owner}.lengths: must lie in [1, {n_time}]")
    return lengths


def make_batch(model, X, Y=None, lengths=None, n_steps: int | None = None) -> tuple[Batch, str]:
    """``(batch, mode)`` for ``model`` (its n_in, n_out, output and dtype) from X, Y."""
    owner = type(model).__name__
    inputs = as_float_array(X, "X", ndim=(2, 3), dtype=model.dtype, owner=owner)
    if inputs.shape[-1] != model.n_in:
        raise ValueError(
            f"{owner}.X: expected {model.n_in} input features (got {inputs.shape[-1]})"
        )
    batch = inputs.shape[0]
    targets = None if Y is None else _targets(model, Y, batch)
    sequence_target = targets is not None and targets.ndim == 3
    if inputs.ndim == 3:
        whole = sequence_target or (targets is None and n_steps is None)
        mode = "many-to-many" if whole else "many-to-one"
        x_tm = np.ascontiguousarray(inputs.transpose(1, 0, 2))
    else:
        steps = targets.shape[1] if sequence_target else (n_steps or 1)
        mode = "one-to-many" if steps > 1 or sequence_target else "one-to-one"
        x_tm = np.zeros((steps, batch, model.n_in), dtype=model.dtype)
        x_tm[0] = inputs
    n_time = x_tm.shape[0]
    lengths = _lengths(lengths, batch, n_time, owner)
    valid = (np.arange(n_time)[:, None] < lengths[None, :]).astype(model.dtype)
    if targets is None:
        return Batch(x_tm, None, None, lengths), mode
    if sequence_target:
        if targets.shape[1] != n_time:
            raise ValueError(f"{owner}.Y: has {targets.shape[1]} steps but X has {n_time}")
        return Batch(x_tm, np.ascontiguousarray(targets.transpose(1, 0, 2)), valid, lengths), mode
    t_tm = np.zeros((n_time, batch, model.n_out), dtype=model.dtype)
    t_tm[lengths - 1, np.arange(batch)] = targets
    mask = np.zeros((n_time, batch), dtype=model.dtype)
    mask[lengths - 1, np.arange(batch)] = 1.0
    return Batch(x_tm, t_tm, mask, lengths), mode


def split_validation(model, train: Batch, split: float, data) -> tuple[Batch, Batch | None]:
    """``(train, validation)``: ``data`` = (X_val, Y_val) when given, else the last
    ``split`` of the training sequences (None when ``split`` is 0)."""
    owner = type(model).__name__
    if data is not None:
        X_val, Y_val = data
        return train, make_batch(model, X_val, Y_val)[0]
    split = check_float(split, "validation_split", low=0.0, high=1.0, high_open=True, owner=owner)
    if split == 0.0:
        return train, None
    n = train.size
    n_val = max(1, round(split * n))
    if n_val >= n:
        raise ValueError(f"{owner}.validation_split: leaves no training sequences")
    cut = n - n_val
    return train.select(slice(0, cut)), train.select(slice(cut, n))


def check_truncate(truncate, mode: str, owner: str) -> tuple[int, int]:
    """Validated truncated-BPTT spans (k1, k2); only for many-to-many data."""
    if mode != "many-to-many":
        raise ValueError(
            f"{owner}.truncate: truncated BPTT needs a target at every step (many-to-many)"
        )
    k1, k2 = (
        check_int(k, name, low=1, owner=owner)
        for k, name in zip(truncate, ("k1", "k2"), strict=True)
    )
    if k2 < k1:
        raise ValueError(f"{owner}.truncate: needs k2 >= k1 (got k1={k1}, k2={k2})")
    return k1, k2
