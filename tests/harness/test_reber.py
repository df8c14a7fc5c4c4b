"""The embedded Reber grammar task: strings of the grammar (checked against a regular
expression written from the automaton independently of the generator), the paper's
scoring rule, and models that learn it."""

import re

import numpy as np
import pytest

from neurodyn.grammars import REBER_SYMBOLS, embedded_reber, reber_next_symbol_accuracy
from neurodyn.harness.registry import get_model, get_task

# node 4: (X T* V P)* then S or X T* V V; node 3: T* V, then V, or P and node 4
_N4 = "(?:XT*VP)*(?:S|XT*VV)"
_REBER = f"B(?:TS*X{_N4}|PT*V(?:V|P{_N4}))E"
EMBEDDED = re.compile(f"B(?:T{_REBER}T|P{_REBER}P)E")


def test_strings_belong_to_the_grammar_and_their_successors_are_legal():
    strings, legal = embedded_reber(2000, max_length=30, seed=0)
    for string, sets in zip(strings, legal, strict=True):
        text = "".join(REBER_SYMBOLS[s] for s in string)
        assert EMBEDDED.fullmatch(text), text
        assert len(text) <= 30 and len(sets) == len(text)
        assert all(string[t + 1] in sets[t] for t in range(len(text) - 1))
        assert sets[-3] == {string[1]} and sets[-1] == set()  # the remembered branch
    lengths = [len(s) for s in strings]
    assert 11.0 < np.mean(lengths) < 13.0  # measured 11.9


def test_the_scoring_rule():
    strings, legal = embedded_reber(50, seed=1)
    length = max(len(s) for s in strings)
    oracle = np.zeros((50, length, 7))
    for row, sets in zip(oracle, legal, strict=True):
        for t, allowed in enumerate(sets):
            row[t, list(allowed)] = 1.0
    assert reber_next_symbol_accuracy(oracle, legal) == (1.0, 1.0)
    forgetful = oracle.copy()  # right everywhere but where the branch must be recalled:
    for row, sets in zip(forgetful, legal, strict=True):
        row[len(sets) - 3, [1, 2]] = 1.0, 0.5  # there it always guesses T
    with_t = np.mean([string[1] == 1 for string in strings])
    assert reber_next_symbol_accuracy(forgetful, legal) == (with_t, with_t)
    assert reber_next_symbol_accuracy(np.zeros_like(oracle), legal)[0] < 0.05


@pytest.mark.parametrize(("model", "params", "floor"), [
    ("esn", {}, 0.9),  # measured 0.99
    ("gru", {"epochs": 10}, 0.9),  # measured 1.0
])  # fmt: skip
def test_models_learn_the_grammar(model, params, floor):
    task = get_task("reber")({"n_train": 1000, "n_val": 100, "n_test": 300})
    data = task.build(0)
    adapter = get_model(model)(get_model(model).resolve("reber", params), 0, data, "reber")
    adapter.fit()
    scores = task.score(data, adapter.predict(data.test))
    assert scores["accuracy"] > floor and scores["remembered"] > floor
