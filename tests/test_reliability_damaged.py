"""Issue 12, item 7: damaged and hostile files always give the promised error.

``load_model``, ``load_weights`` and the dataset readers raise ValueError (OSError for I/O) naming the file and
what is wrong, for every input here: deeply nested JSON, unknown zip compression, encrypted and duplicate
members, abstract classes and Python callables named in configs, huge ``.npy`` headers, bare zip errors of
weights files, values that overflow float32. The last tests flip bits in and truncate real saved files of every
format, a few hundred seeded cases, and accept nothing but success, ValueError or OSError.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import warnings
import zipfile

import numpy as np
import pytest

from hostile_files import (members, nested_json, npy_bytes, npy_header_only, npy_huge_header_length, patch_member,
                           replaced, small_model, with_json, write_zip)

import lamina
from lamina.datasets import idx
from lamina.models import Sequential, load_model


@pytest.fixture(scope="module")
def saved(tmp_path_factory) -> dict[str, os.PathLike]:
    """One real file of each format, from the same trained model."""
    folder = tmp_path_factory.mktemp("saved")
    model = small_model()
    files = {"lamina": folder / "m.lamina", "npz": folder / "w.weights.npz"}
    model.save(files["lamina"])
    model.save_weights(files["npz"])
    if _has_h5py():
        files["keras"] = folder / "m.keras"
        files["h5"] = folder / "w.weights.h5"
        model.save(files["keras"])
        model.save_weights(files["h5"])
    images = np.random.default_rng(0).integers(0, 256, (6, 4, 4), dtype=np.uint8)
    files["idx"] = idx.write_idx(folder / "images-idx3-ubyte", images)
    files["idx.gz"] = idx.write_idx(folder / "images-idx3-ubyte.gz", images)
    return files


def _has_h5py() -> bool:
    try:
        import h5py  # noqa: F401
        return True
    except ImportError:
        return False


def fresh_model() -> Sequential:
    return small_model(compiled=False)


def load_weights(path) -> None:
    fresh_model().load_weights(path)


def refused(load, path, *words: str) -> str:
    with pytest.raises(ValueError) as error:
        load(path)
    message = str(error.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message
    return message


# ----- .lamina --------------------------------------------------------------------------------------------------
def test_deeply_nested_config(saved, tmp_path) -> None:
    entries = replaced(members(saved["lamina"]), config_DOT_json=nested_json(100_000))
    refused(load_model, write_zip(tmp_path / "nested.lamina", entries), "config.json", "nested")


@pytest.mark.parametrize("member", ["config.json", "weights/0.npy"])
def test_unknown_compression_and_encryption(saved, tmp_path, member) -> None:
    path = write_zip(tmp_path / "odd.lamina", members(saved["lamina"]))
    patch_member(path, member, method=99)
    refused(load_model, path, member, "compression method 99")
    path = write_zip(tmp_path / "locked.lamina", members(saved["lamina"]))
    patch_member(path, member, flag_bits=0x1)
    refused(load_model, path, member, "encrypted")


@pytest.mark.parametrize("member", ["config.json", "weights/0.npy", "manifest.json"])
def test_duplicate_members(saved, tmp_path, member) -> None:
    entries = members(saved["lamina"])
    twin = [(name, data) for name, data in entries if name == member]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile warns about the duplicate it is asked to write
        path = write_zip(tmp_path / "twins.lamina", entries + twin)
    refused(load_model, path, "two members", member)


def layer_entry(config: dict, index: int) -> dict:
    return config["config"]["layers"][index]["config"]


ABSTRACT_OR_CALLABLE = {
    "abstract metric": ("training.json", lambda t: {**t, "compile": {**t["compile"], "metrics": [
        {"class_name": "Metric", "config": {}}]}}, "Metric"),
    "abstract loss": ("training.json", lambda t: {**t, "compile": {**t["compile"], "loss": {
        "class_name": "Loss", "config": {}}}}, "Loss"),
    "abstract optimizer": ("training.json", lambda t: {**t, "compile": {**t["compile"], "optimizer": {
        "class_name": "Optimizer", "config": {}}}}, "Optimizer"),
    "abstract layer": ("config.json", lambda c: _set_layer(c, 1, class_name="Layer"), "Layer"),
    "abstract initializer": ("config.json", lambda c: _set_option(c, 1, "kernel_initializer",
                                                                  {"class_name": "Initializer", "config": {}}),
                             "Initializer"),
    "callable activation": ("config.json", lambda c: _set_option(c, 1, "activation", "os.system"), "os.system"),
    "callable initializer": ("config.json", lambda c: _set_option(c, 1, "kernel_initializer", "os.system"),
                             "os.system"),
    "callable regularizer": ("config.json", lambda c: _set_option(c, 1, "kernel_regularizer", "os.system"),
                             "os.system"),
    "callable loss": ("training.json", lambda t: {**t, "compile": {**t["compile"], "loss": "os.system"}},
                      "os.system"),
    "callable metric": ("training.json", lambda t: {**t, "compile": {**t["compile"], "metrics": ["os.system"]}},
                        "os.system"),
    "callable optimizer": ("training.json", lambda t: {**t, "compile": {**t["compile"], "optimizer": {
        "class_name": "os.system", "config": {}}}}, "os.system"),
    "callable custom loss": ("training.json", lambda t: {**t, "compile": {**t["compile"], "loss": {
        "custom": "os.system"}}}, "os.system"),
    "callable layer": ("config.json", lambda c: _set_layer(c, 1, class_name="os.system"), "os.system"),
    "config not an object": ("config.json", lambda c: [], "config"),
    "layers not a list": ("config.json", lambda c: {**c, "config": {**c["config"], "layers": "abc"}}, "rebuild"),
    "negative units": ("config.json", lambda c: _set_option(c, 1, "units", -5), "units"),
    "infinite units": ("config.json", lambda c: _set_option(c, 1, "units", float("inf")), "units"),
    "shape not a list": ("config.json", lambda c: _set_option(c, 0, "batch_shape", "x"), "rebuild"),
    "random state of a huge dtype": ("training.json", lambda t: {**t, "rng": {**t["rng"], "shuffle": {
        "bit_generator": "MT19937", "state": {"key": {"__ndarray__": ["x" * 64], "dtype": "V1000000000"},
                                              "pos": 0}}}}, "V1000000000"),
}


def _set_layer(config: dict, index: int, **changes) -> dict:
    config["config"]["layers"][index].update(changes)
    return config


def _set_option(config: dict, index: int, key: str, value) -> dict:
    config["config"]["layers"][index]["config"][key] = value
    return config


@pytest.mark.parametrize("case", sorted(ABSTRACT_OR_CALLABLE))
def test_configs_naming_abstract_classes_or_callables_are_refused_at_load(saved, tmp_path, monkeypatch,
                                                                          case) -> None:
    calls = []
    monkeypatch.setattr(os, "system", lambda *args: calls.append(args))
    member, change, word = ABSTRACT_OR_CALLABLE[case]
    path = write_zip(tmp_path / "hostile.lamina", with_json(members(saved["lamina"]), member, change))
    refused(load_model, path, word)
    assert calls == []


@pytest.mark.parametrize("npy", [npy_header_only((10**6, 10**6)), npy_header_only((2**62, 2**62), version=(2, 0)),
                                 npy_huge_header_length(), npy_header_only((4, 5), dtype="|O")])
def test_huge_or_odd_npy_headers(saved, tmp_path, npy) -> None:
    entries = replaced(members(saved["lamina"]), weights__0_DOT_npy=npy)
    refused(load_model, write_zip(tmp_path / "header.lamina", entries), "weights/0.npy")


def test_values_that_overflow_float32(saved, tmp_path) -> None:
    entries = members(saved["lamina"])
    kernel = np.load(io.BytesIO(dict(entries)["weights/0.npy"])).astype(np.float64)
    kernel[1, 2] = 1e300
    path = write_zip(tmp_path / "overflow.lamina", replaced(entries, weights__0_DOT_npy=npy_bytes(kernel)))
    refused(load_model, path, "weights/0.npy", "overflows")
    kernel[1, 2] = 0.5  # float64 values that fit are fine, and so is a NaN the file really holds
    kernel[0, 0] = np.nan
    path = write_zip(tmp_path / "fits.lamina", replaced(entries, weights__0_DOT_npy=npy_bytes(kernel)))
    assert np.isnan(load_model(path).get_weights()[0][0, 0])


# ----- .npz weights ---------------------------------------------------------------------------------------------
def npz_cases(saved, tmp_path) -> dict[str, os.PathLike]:
    entries = members(saved["npz"])
    cases = {}

    def case(name, new_entries):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            cases[name] = write_zip(tmp_path / f"{name}.weights.npz", new_entries)

    case("missing member", [(n, d) for n, d in entries if n != "w1.npy"])
    case("count too large", replaced(entries, count_DOT_npy=npy_bytes(np.array(99))))
    case("version not a scalar", replaced(entries, lamina_weights_format_DOT_npy=npy_bytes(np.arange(3))))
    case("duplicate", entries + entries[:1])
    case("huge header", replaced(entries, w0_DOT_npy=npy_header_only((10**6, 10**6))))
    case("pickled", replaced(entries, w0_DOT_npy=npy_header_only((1,), dtype="|O") + b"\0" * 8))
    kernel = np.load(io.BytesIO(dict(entries)["w0.npy"])).astype(np.float64)
    kernel[0, 0] = -1e39
    case("overflow", replaced(entries, w0_DOT_npy=npy_bytes(kernel)))
    for name, patch in (("encrypted", {"flag_bits": 1}), ("compression", {"method": 12345})):
        case(name, entries)
        patch_member(cases[name], "w0.npy", **patch)
    raw = bytearray(saved["npz"].read_bytes())
    raw[member_data_end(saved["npz"], "w0.npy") - 1] ^= 0xFF  # the last byte of w0's values: the CRC-32 catches it
    cases["crc"] = tmp_path / "crc.weights.npz"
    cases["crc"].write_bytes(bytes(raw))
    cases["truncated"] = tmp_path / "truncated.weights.npz"
    cases["truncated"].write_bytes(bytes(raw[: len(raw) // 2]))
    cases["not a zip"] = tmp_path / "random.weights.npz"
    cases["not a zip"].write_bytes(np.random.default_rng(0).bytes(500))
    cases["empty"] = tmp_path / "empty.weights.npz"
    cases["empty"].write_bytes(b"")
    return cases


def member_data_end(path, name: str) -> int:
    """The offset just past the stored bytes of member ``name``."""
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(name)
    raw = path.read_bytes()
    name_length, extra_length = int.from_bytes(raw[info.header_offset + 26:info.header_offset + 28], "little"), \
        int.from_bytes(raw[info.header_offset + 28:info.header_offset + 30], "little")
    return info.header_offset + 30 + name_length + extra_length + info.compress_size


def test_damaged_weights_files(saved, tmp_path) -> None:
    model = fresh_model()
    before = model.get_weights()
    for name, path in npz_cases(saved, tmp_path).items():
        message = refused(model.load_weights, path)
        assert "load_weights" in message, (name, message)
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


# ----- .keras ---------------------------------------------------------------------------------------------------
KERAS_COMPILE = {
    "callable loss": lambda c: {**c, "loss": "os.system"},
    "abstract loss": lambda c: {**c, "loss": {"module": "keras.losses", "class_name": "Loss", "config": {}}},
    "abstract metric": lambda c: {**c, "metrics": [{"module": "keras.metrics", "class_name": "Metric",
                                                     "config": {}}]},
    "abstract optimizer": lambda c: {**c, "optimizer": {"module": "keras.optimizers", "class_name": "Optimizer",
                                                        "config": {"learning_rate": 0.1}}},
}


@pytest.mark.parametrize("case", sorted(KERAS_COMPILE))
def test_keras_compile_settings_naming_abstract_classes_or_callables(saved, tmp_path, case) -> None:
    """As for any compile setting without a Lamina equivalent, the model loads uncompiled, with a warning."""
    if "keras" not in saved:
        pytest.skip("the .keras format needs h5py")
    change = KERAS_COMPILE[case]
    path = write_zip(tmp_path / "hostile.keras", with_json(
        members(saved["keras"]), "config.json", lambda c: {**c, "compile_config": change(c["compile_config"])}))
    with pytest.warns(UserWarning, match="uncompiled"):
        model = load_model(path)
    assert not model.compiled


def test_damaged_keras_files(saved, tmp_path) -> None:
    if "keras" not in saved:
        pytest.skip("the .keras format needs h5py")
    import h5py

    entries = members(saved["keras"])
    path = write_zip(tmp_path / "nested.keras", replaced(entries, config_DOT_json=nested_json(50_000)))
    refused(load_model, path, "config.json", "nested")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        path = write_zip(tmp_path / "twins.keras", entries + entries[-1:])
    refused(load_model, path, "two members")
    buffer = io.BytesIO(dict(entries)["model.weights.h5"])
    with h5py.File(buffer, "a") as h5:
        kernel = h5["layers/dense/vars/0"][()].astype(np.float64)
        kernel[0, 0] = 1e300
        del h5["layers/dense/vars/0"]
        h5["layers/dense/vars/0"] = kernel
    path = write_zip(tmp_path / "overflow.keras", replaced(entries, model_DOT_weights_DOT_h5=buffer.getvalue()))
    refused(load_model, path, "layers/dense/vars/0", "overflows")
    path = write_zip(tmp_path / "garbage.keras", replaced(entries, model_DOT_weights_DOT_h5=b"not hdf5" * 10))
    refused(load_model, path, "model.weights.h5")


# ----- datasets -------------------------------------------------------------------------------------------------
def test_damaged_idx_files(saved, tmp_path, monkeypatch) -> None:
    gz = saved["idx.gz"].read_bytes()
    for name, data in (("cut.gz", gz[:-5]), ("garbage.gz", gz[:12] + b"\xff" * 40),
                       ("header.gz", gzip.compress(b"\0\0\x08\x03" + b"\xff" * 12)),
                       ("short", b"\0\0\x08"), ("magic", b"\x01\x02\x08\x01\0\0\0\x01\x07")):
        path = tmp_path / name
        path.write_bytes(data)
        refused(idx.read_idx, path)
    monkeypatch.setattr(idx, "MIN_GZIP_BUDGET", 2**20)
    bomb = tmp_path / "bomb.gz"
    bomb.write_bytes(gzip.compress(b"\0\0\x08\x01\x01\0\0\0" + bytes(16 * 2**20), compresslevel=1))
    refused(idx.read_idx, bomb, "unpacks into more than")


# ----- fuzzing --------------------------------------------------------------------------------------------------
LOADERS = {"lamina": load_model, "keras": load_model, "npz": load_weights, "h5": load_weights,
           "idx": idx.read_idx, "idx.gz": idx.read_idx}
CASES_PER_FORMAT = 60


def mutations(data: bytes, rng: np.random.Generator):
    """Bit flips (1 to 3 bits, anywhere), truncations (anywhere) and flips in the last 200 bytes (where a zip
    keeps its central directory)."""
    for case in range(CASES_PER_FORMAT):
        kind = case % 3
        if kind == 1:
            yield f"truncated at {(cut := int(rng.integers(0, len(data))))}", data[:cut]
            continue
        damaged = bytearray(data)
        low = max(0, len(data) - 200) if kind == 2 else 0
        for _ in range(int(rng.integers(1, 4))):
            position = int(rng.integers(low, len(data)))
            damaged[position] ^= 1 << int(rng.integers(0, 8))
        yield f"bits flipped near {position}", bytes(damaged)


@pytest.mark.parametrize("kind", sorted(LOADERS))
def test_fuzzed_files_give_only_the_promised_errors(saved, tmp_path, kind) -> None:
    if kind not in saved:
        pytest.skip("this format needs h5py")
    original = saved[kind]
    data = original.read_bytes()
    rng = np.random.default_rng(sorted(LOADERS).index(kind))
    outcomes = {"loaded": 0, "ValueError": 0, "OSError": 0}
    for description, damaged in mutations(data, rng):
        path = tmp_path / original.name
        path.write_bytes(damaged)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                LOADERS[kind](path)
            outcomes["loaded"] += 1
        except ValueError as error:
            assert str(path) in str(error), (description, str(error))
            outcomes["ValueError"] += 1
        except OSError:
            outcomes["OSError"] += 1
        except Exception as error:  # noqa: BLE001 (the point of the test)
            pytest.fail(f"{kind}, {description}: {type(error).__name__}: {error}")
    assert outcomes["ValueError"] + outcomes["OSError"] > 0, outcomes
