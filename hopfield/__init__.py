"""Hopfield associative memories: classical (Hebbian, Storkey, pseudo-inverse;
synchronous and event-driven asynchronous recall) and modern (dense associative
memory, continuous softmax Hopfield).

    from hopfield import Hopfield
    net = Hopfield(n_units=500, rule="storkey")
    net.store(patterns)                       # (P, N), entries ±1
    x = net.recall(probe, mode="async", seed=0)
"""

from hopfield.classical import Hopfield, RecallInfo
from hopfield.modern import DenseAssociativeMemory, ModernHopfield
from hopfield.patterns import (
    flip,
    image_to_pattern,
    overlap,
    pattern_to_image,
    random_patterns,
    to_binary,
    to_bipolar,
)

__all__ = [
    "DenseAssociativeMemory",
    "Hopfield",
    "ModernHopfield",
    "RecallInfo",
    "flip",
    "image_to_pattern",
    "overlap",
    "pattern_to_image",
    "random_patterns",
    "to_binary",
    "to_bipolar",
]
