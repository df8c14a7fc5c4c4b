import ast
import json
import pickle
import zipfile
from pathlib import Path

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


def _metadata(**extra):
    return {"format": "neurodyn", "format_version": 1, **extra}


def test_corrupt_and_foreign_files_are_rejected(tmp_path):
    """Every malformed file raises FormatError naming the file and the problem."""
    corrupt = tmp_path / "corrupt.npz"
    corrupt.write_bytes(np.random.default_rng(0).bytes(256))
    with pytest.raises(FormatError, match=r"corrupt.npz: not a neurodyn save file") as raised:
        io.load_arrays(corrupt)
    assert "allow_pickle" not in str(raised.value)
    single = tmp_path / "single.npy"
    np.save(single, np.zeros(3))
    with pytest.raises(FormatError, match=r"single.npy: a single \.npy array"):
        io.load_arrays(single)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, x=np.zeros(3))
    with pytest.raises(FormatError, match="no metadata"):
        io.load_arrays(foreign)
    pickled = tmp_path / "pickled.npz"
    np.savez(
        pickled,
        __neurodyn_metadata__=np.array(json.dumps(_metadata())),
        payload=np.array([object()], dtype=object),
    )
    with pytest.raises(FormatError, match=r"'payload.npy' holds Python objects"):
        io.load_arrays(pickled)
    truncated = tmp_path / "truncated.npz"
    io.save_arrays(truncated, {"x": np.zeros(1000)}, _metadata())
    truncated.write_bytes(truncated.read_bytes()[:300])
    with pytest.raises(FormatError, match=r"truncated.npz: damaged or truncated"):
        io.load_arrays(truncated)
    not_json = tmp_path / "not_json.npz"
    np.savez(not_json, __neurodyn_metadata__=np.array("{not json"))
    with pytest.raises(FormatError, match="not valid JSON"):
        io.load_arrays(not_json)
    numeric = tmp_path / "numeric.npz"
    np.savez(numeric, __neurodyn_metadata__=np.zeros(2))
    with pytest.raises(FormatError, match="not a JSON string"):
        io.load_arrays(numeric)


@pytest.mark.parametrize(
    ("metadata", "match"),
    [
        ({"format": "other"}, "format tag"),
        (_metadata(format_version=99), "newer"),
        (_metadata(format_version="1"), "format_version must be"),
        (_metadata(kind=["reservoir.ESN"]), "'kind' must be a string"),
        (_metadata(kind={"a": 1}), "'kind' must be a string"),
        (_metadata(kind="x", config=[1, 2]), "'config' must be a JSON object"),
    ],
)
def test_malformed_metadata(tmp_path, metadata, match):
    path = io.save_arrays(tmp_path / "bad", {}, metadata)
    with pytest.raises(FormatError, match=match):
        io.load(path)


def test_unknown_kind_names_the_registry_and_imports_nothing(tmp_path):
    path = io.save_arrays(tmp_path / "kind", {}, _metadata(kind="os.system"))
    with pytest.raises(FormatError, match=r"unknown model kind 'os.system'; import the package"):
        io.load(path)


def test_wrong_shapes_are_a_format_error(tmp_path):
    from neurodyn.readouts import Ridge

    path = Ridge(1e-3).fit(np.eye(4), np.ones((4, 2))).save(tmp_path / "ridge")
    arrays, metadata = io.load_arrays(path)
    arrays["intercept"] = np.zeros(5)  # two outputs expected
    io.save_arrays(tmp_path / "broken", arrays, metadata)
    with pytest.raises(FormatError, match=r"broken.npz: inconsistent neurodyn.Ridge data"):
        Ridge.load(tmp_path / "broken")


def test_the_core_imports_no_family():
    """neurodyn's modules (the harness aside, which compares them all) import no family:
    io holds one registry that the families' classes fill themselves."""
    core = Path(io.__file__).parent
    families = {"reservoir", "hopfield", "rnn", "snn"}
    for path in core.glob("*.py"):
        if path.name == "cli.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            assert not {name.split(".")[0] for name in names} & families, path.name


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
