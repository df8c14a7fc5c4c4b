"""The embedded Reber grammar (Hochreiter & Schmidhuber 1997, after Cleeremans et al. 1989
and Fahlman 1991): strings, one-hot encodings, and the legal next symbols of every prefix.

A Reber string is a walk through a six-node automaton from B to E::

    node 1: T -> 2, P -> 3        node 2: S -> 2, X -> 4        node 3: T -> 3, V -> 5
    node 4: X -> 3, S -> E        node 5: P -> 4, V -> E

(each branch taken with probability 1/2). An embedded string is B, then T or P, then a
Reber string, then the same T or P again, then E: the symbol before the final E can
only be predicted by remembering the second symbol across the whole inner string.
"""

from __future__ import annotations

import numpy as np

from neurodyn._validation import check_int
from neurodyn.random import SeedLike, as_generator

__all__ = ["REBER_SYMBOLS", "embedded_reber", "reber_next_symbol_accuracy"]

REBER_SYMBOLS = "BTPSXVE"
B, T, P, S, X, V, E = range(7)
# node -> ((symbol, next node), (symbol, next node)); node 0 is the end (E follows)
_REBER = {1: ((T, 2), (P, 3)), 2: ((S, 2), (X, 4)), 3: ((T, 3), (V, 5)),
          4: ((X, 3), (S, 0)), 5: ((P, 4), (V, 0))}  # fmt: skip


def _reber_string(rng: np.random.Generator) -> tuple[list[int], list[frozenset]]:
    """One Reber string B ... E and, for each of its symbols, the set of legal next ones
    (the set after E is empty)."""
    symbols, legal, node = [B], [frozenset((T, P))], 1
    while node:
        choice = _REBER[node][rng.integers(2)]
        symbols.append(choice[0])
        node = choice[1]
        legal.append(frozenset(s for s, _ in _REBER[node]) if node else frozenset((E,)))
    symbols.append(E)
    legal.append(frozenset())
    return symbols, legal


def embedded_reber(
    n_strings: int, *, max_length: int = 30, seed: SeedLike = None
) -> tuple[list[np.ndarray], list[list[frozenset]]]:
    """``n_strings`` embedded Reber strings of at most ``max_length`` symbols (longer ones
    are drawn again). Returns the strings (int arrays over ``REBER_SYMBOLS``) and, per
    string, the legal next symbols after each of its symbols (empty after the last)."""
    n_strings = check_int(n_strings, "n_strings", low=1, owner="embedded_reber")
    max_length = check_int(max_length, "max_length", low=9, owner="embedded_reber")
    rng = as_generator(seed)
    strings, legal_sets = [], []
    while len(strings) < n_strings:
        branch = (T, P)[rng.integers(2)]
        inner, inner_legal = _reber_string(rng)
        symbols = [B, branch, *inner, branch, E]
        if len(symbols) > max_length:
            continue
        # after B: T or P; after the branch: B; the inner string's own sets, except that
        # after its E only the remembered branch is legal; after the branch: E; then none
        legal = [frozenset((T, P)), frozenset((B,)), *inner_legal[:-1]]
        legal += [frozenset((branch,)), frozenset((E,)), frozenset()]
        strings.append(np.array(symbols, dtype=np.int64))
        legal_sets.append(legal)
    return strings, legal_sets


def reber_next_symbol_accuracy(
    scores: np.ndarray, legal_sets: list[list[frozenset]]
) -> tuple[float, float]:
    """Hochreiter & Schmidhuber's criterion on next-symbol scores (n_strings, T, 7): a
    step is right when the k highest scores are exactly its k legal next symbols; a
    string is right when every step before its end is. Returns (fraction of strings
    right, fraction whose remembered branch, the symbol before the last E, is right)."""
    right = remembered = 0
    for scores_of, legal in zip(scores, legal_sets, strict=True):
        steps_right = True
        for t, allowed in enumerate(legal[:-1]):
            top = frozenset(np.argsort(scores_of[t])[::-1][: len(allowed)].tolist())
            steps_right &= top == allowed
        right += steps_right
        branch_step = len(legal) - 3  # after the inner E
        remembered += int(np.argmax(scores_of[branch_step])) in legal[branch_step]
    return right / len(legal_sets), remembered / len(legal_sets)
