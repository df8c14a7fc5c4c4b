"""Optimizers and gradient clipping over dictionaries of parameter arrays.

Each optimizer updates ``params[name]`` in place from ``grads[name]``; its state
(moments) has the parameters' dtype. The update rules are PyTorch's
(``torch.optim.SGD`` with momentum, ``RMSprop``, ``Adam`` with bias correction).
"""

from __future__ import annotations

import numpy as np

from neurodyn._validation import check_choice, check_float

__all__ = ["SGD", "Adam", "RMSprop", "clip_by_global_norm", "clip_by_value", "make_optimizer"]


class SGD:
    """v ← μ v + g;  θ ← θ - lr v   (plain SGD when momentum = 0)."""

    def __init__(self, lr: float, momentum: float = 0.0) -> None:
        self.lr, self.momentum = lr, momentum
        self.velocity: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> None:
        for name, grad in grads.items():
            if self.momentum:
                velocity = self.velocity.setdefault(name, np.zeros_like(grad))
                velocity *= self.momentum
                velocity += grad
                grad = velocity
            params[name] -= self.lr * grad


class RMSprop:
    """s ← α s + (1 - α) g²;  θ ← θ - lr g / (√s + ε)."""

    def __init__(self, lr: float, alpha: float = 0.99, eps: float = 1e-8) -> None:
        self.lr, self.alpha, self.eps = lr, alpha, eps
        self.square: dict[str, np.ndarray] = {}

    def step(self, params: dict, grads: dict) -> None:
        for name, grad in grads.items():
            square = self.square.setdefault(name, np.zeros_like(grad))
            square *= self.alpha
            square += (1 - self.alpha) * grad * grad
            params[name] -= self.lr * grad / (np.sqrt(square) + self.eps)


class Adam:
    """Kingma & Ba (2015) with bias correction."""

    def __init__(
        self, lr: float, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8
    ) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.first: dict[str, np.ndarray] = {}
        self.second: dict[str, np.ndarray] = {}
        self.steps = 0

    def step(self, params: dict, grads: dict) -> None:
        self.steps += 1
        correction1 = 1 - self.beta1**self.steps
        correction2 = 1 - self.beta2**self.steps
        for name, grad in grads.items():
            first = self.first.setdefault(name, np.zeros_like(grad))
            second = self.second.setdefault(name, np.zeros_like(grad))
            first *= self.beta1
            first += (1 - self.beta1) * grad
            second *= self.beta2
            second += (1 - self.beta2) * grad * grad
            denominator = np.sqrt(second / correction2) + self.eps
            params[name] -= (self.lr / correction1) * first / denominator


OPTIMIZERS = {"sgd": SGD, "rmsprop": RMSprop, "adam": Adam}


def make_optimizer(name: str, lr: float, momentum: float = 0.0):
    """An optimizer by name: ``sgd`` (with ``momentum``), ``rmsprop`` or ``adam``."""
    check_choice(name, "optimizer", tuple(OPTIMIZERS))
    lr = check_float(lr, "lr", low=0.0, low_open=True)
    if name == "sgd":
        return SGD(lr, check_float(momentum, "momentum", low=0.0, high=1.0, high_open=True))
    return OPTIMIZERS[name](lr)


def clip_by_global_norm(grads: dict, max_norm: float) -> float:
    """Scale all gradients so that their joint L2 norm is at most ``max_norm``; returns the norm before."""
    norm = float(np.sqrt(sum(np.sum(np.square(g, dtype=np.float64)) for g in grads.values())))
    if norm > max_norm:
        scale = max_norm / (norm + 1e-12)
        for grad in grads.values():
            grad *= scale
    return norm


def clip_by_value(grads: dict, limit: float) -> None:
    """Clip every gradient entry to [-limit, limit]."""
    for grad in grads.values():
        np.clip(grad, -limit, limit, out=grad)
