import json
import pickle
import zipfile

import numpy as np
import pytest

from neurodyn import io
from neurodyn.errors import FormatError


def test_arrays_and_metadata_round_trip(tmp_path):
    arrays = {"a": np.arange(6.0).reshape(2, 3), "b": np.array([1, 2], dtype=np.int32)}
    path = io.save_arrays(
        tmp_path / "model",
        arrays,
        {"format": "neurodyn", "format_version": 1, "x": np.float64(2.5)},
    )
    assert path.suffix == ".npz"
    loaded, metadata = io.load_arrays(path)
    np.testing.assert_array_equal(loaded["a"], arrays["a"])
    assert loaded["b"].dtype == np.int32
    assert metadata["x"] == 2.5


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="no such file"):
        io.load_arrays(tmp_path / "absent.npz")


def test_corrupt_and_foreign_files_are_rejected(tmp_path):
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(b"this is not a zip archive")
    with pytest.raises(FormatError, match="not a readable"):
        io.load_arrays(corrupt)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(FormatError, match="no metadata"):
        io.load_arrays(foreign)
    pickled = tmp_path / "pickled.npz"
    np.savez(
        pickled,
        __neurodyn_metadata__=np.array(json.dumps({"format": "neurodyn", "format_version": 1})),
        payload=np.array([object()], dtype=object),
    )
    with pytest.raises(FormatError, match="not a readable"):
        io.load_arrays(pickled)
    truncated = tmp_path / "truncated.npz"
    io.save_arrays(truncated, {"x": np.zeros(1000)}, {"format": "neurodyn", "format_version": 1})
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(FormatError):
        io.load_arrays(truncated)


def test_wrong_tag_newer_version_and_unknown_kind(tmp_path):
    io.save_arrays(tmp_path / "tag", {}, {"format": "other"})
    with pytest.raises(FormatError, match="format tag"):
        io.load_arrays(tmp_path / "tag.npz")
    io.save_arrays(tmp_path / "new", {}, {"format": "neurodyn", "format_version": 99})
    with pytest.raises(FormatError, match="newer"):
        io.load_arrays(tmp_path / "new.npz")
    io.save_arrays(
        tmp_path / "kind", {}, {"format": "neurodyn", "format_version": 1, "kind": "evil.Thing"}
    )
    with pytest.raises(FormatError, match="unknown model kind"):
        io.load(tmp_path / "kind.npz")


def test_registered_class_round_trip_and_kind_guard(tmp_path):
    @io.register("tests.Pair")
    class Pair:
        def __init__(self, values, label):
            self.values, self.label = values, label

        def _io_state(self):
            return {"values": self.values}, {"label": self.label}

        @classmethod
        def _from_io_state(cls, arrays, config):
            return cls(arrays["values"], config["label"])

    path = io.save(Pair(np.arange(3.0), "p"), tmp_path / "pair", seed=7)
    loaded = io.load(path)
    assert loaded.label == "p" and loaded.values.tolist() == [0.0, 1.0, 2.0]
    _, metadata = io.load_arrays(path)
    assert (
        metadata["seed"] == 7
        and metadata["kind"] == "tests.Pair"
        and "neurodyn_version" in metadata
    )
    with pytest.raises(FormatError, match="expected"):
        io.load(path, expected_kind="reservoir.ESN")
    with pytest.raises(TypeError, match="cannot be saved"):
        io.save(object(), tmp_path / "x")


def test_saved_file_contains_no_pickle(tmp_path):
    path = io.save_arrays(
        tmp_path / "m", {"w": np.ones(3)}, {"format": "neurodyn", "format_version": 1}
    )
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            assert pickle.PROTO not in archive.read(name)[:2] or name.endswith(".npy")
    with pytest.raises(TypeError, match="object arrays"):
        io.save_arrays(tmp_path / "o", {"w": np.array([object()])}, {})
