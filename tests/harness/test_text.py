"""The text task: windows of the text with the next character as each step's label, bits
per character against direct computations, a user's file, and a model that learns."""

import numpy as np
import pytest

from neurodyn.cli import main
from neurodyn.harness.registry import get_model, get_task
from neurodyn.harness.tasks import _as_probabilities


def _decode(onehot, alphabet) -> str:
    return "".join(alphabet[i] for i in np.argmax(onehot, axis=-1))


def test_windows_read_the_text_and_label_each_next_character(tmp_path):
    text = "the quick brown fox jumps over the lazy dog. " * 40
    path = tmp_path / "fox.txt"
    path.write_text(text)
    task = get_task("text")({"path": str(path), "length": 20, "stride": 5})
    data = task.build(0)
    alphabet = data.extras["alphabet"]
    assert alphabet == sorted(set(text)) and data.n_classes == len(alphabet)
    first = _decode(data.train.X[3], alphabet)
    assert first == text[15:35]  # the 4th window starts 3 strides in
    assert "".join(alphabet[i] for i in data.train.Y[3]) == text[16:36]
    held = int(len(text) * 0.2)
    assert _decode(data.test.X[0], alphabet) == text[-held // 2 :][:20]


def test_bits_per_character():
    task = get_task("text")({"sample": 0})
    data = task.build(0)
    labels = data.test.Y
    n = data.n_classes
    perfect = np.eye(n)[labels]
    assert task.score(data, perfect)["bits_per_char"] == pytest.approx(0.0, abs=1e-12)
    uniform = np.full((*labels.shape, n), 1.0 / n)
    assert task.score(data, uniform)["bits_per_char"] == pytest.approx(np.log2(n))
    counts = np.bincount(data.train.Y.ravel(), minlength=n) + 1.0
    unigram = np.broadcast_to(counts / counts.sum(), uniform.shape)
    expected = -np.mean(np.log2((counts / counts.sum())[labels]))
    assert task.score(data, unigram)["bits_per_char"] == pytest.approx(expected)
    linear = np.where(perfect > 0, 0.8, -0.1)  # a linear readout's scores: clipped at 0.01
    row = np.maximum(linear[0, 0], 0.01)
    assert np.allclose(_as_probabilities(linear)[0, 0], row / row.sum())


def test_a_missing_file_stops_the_plan(tmp_path, capsys):
    args = ["compare", "--task", "text", "--models", "lstm", "--out", str(tmp_path / "o"),
            "--set", f"task.path={tmp_path / 'nothing.txt'}"]  # fmt: skip
    assert main(args) == 2
    assert "cannot read" in capsys.readouterr().err


def test_an_lstm_learns_below_the_letter_entropy_and_writes():
    task = get_task("text")({"sample": 40})
    data = task.build(0)
    adapter = get_model("lstm")(get_model("lstm").resolve("text", {}), 0, data, "text")
    adapter.fit()
    bits = task.score(data, adapter.predict(data.test))["bits_per_char"]
    assert bits < 3.6  # measured 3.15; the corpus's letter entropy is 4.24
    written = task.samples(data, adapter, seed=0)["text"]
    assert len(written) == 50 and set(written) <= set(data.extras["alphabet"])
