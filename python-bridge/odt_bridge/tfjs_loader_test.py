import json

import numpy as np
import pytest

from odt_bridge.conftest import fixture_topology, fixture_weights, write_tfjs_model
from odt_bridge.constants import SUPPORTED_LAYER_CLASSES
from odt_bridge.errors import BridgeError
from odt_bridge.tfjs_loader import load_tfjs_model


@pytest.fixture
def model_dir(tmp_path):
    folder = tmp_path / "tfjs"
    write_tfjs_model(folder, fixture_topology(), fixture_weights())
    return folder


def _error(folder) -> BridgeError:
    with pytest.raises(BridgeError) as caught:
        load_tfjs_model(folder)
    return caught.value


def test_loads_layers_and_matches_weights_by_name(model_dir):
    model = load_tfjs_model(model_dir)
    weights = fixture_weights()
    assert model.input_shape == (8, 8, 1)
    assert [layer.name for layer in model.layers] == [
        "base_0_conv2d", "base_1_maxpooling2d", "base_2_flatten", "base_3_dropout", "head_0_dense", "head_1_dense"]
    # The manifest lists the head first (tfjs puts trainable weights first); matching is by name.
    np.testing.assert_array_equal(model.layer("base_0_conv2d").weights["kernel"], weights["base_0_conv2d/kernel"])
    np.testing.assert_array_equal(model.layer("head_1_dense").weights["bias"], weights["head_1_dense/bias"])
    assert model.layer("base_2_flatten").output_shape == (18,)
    assert model.weight_bytes == sum(v.nbytes for v in weights.values())


def test_missing_model_json(tmp_path):
    error = _error(tmp_path)
    assert error.code_name == "ARTIFACTS_INVALID" and "not found" in error.message


def test_corrupt_model_json(model_dir):
    (model_dir / "model.json").write_text('{"modelTopology": ')
    assert _error(model_dir).code_name == "ARTIFACTS_INVALID"


def test_missing_weights_file(model_dir):
    (model_dir / "weights.bin").unlink()
    error = _error(model_dir)
    assert error.code_name == "ARTIFACTS_INVALID" and "missing" in error.message


def test_truncated_weights_file(model_dir):
    data = (model_dir / "weights.bin").read_bytes()
    (model_dir / "weights.bin").write_bytes(data[:-8])
    error = _error(model_dir)
    assert error.code_name == "ARTIFACTS_INVALID" and "truncated" in error.message


def test_weights_file_with_extra_bytes(model_dir):
    with open(model_dir / "weights.bin", "ab") as handle:
        handle.write(b"\0" * 4)
    assert "do not match" in _error(model_dir).message


def test_weight_shape_not_matching_topology(tmp_path):
    weights = fixture_weights()
    weights["head_0_dense/kernel"] = np.zeros((6, 18), np.float32)  # same byte length, wrong shape
    write_tfjs_model(tmp_path, fixture_topology(), weights)
    error = _error(tmp_path)
    assert error.code_name == "ARTIFACTS_INVALID" and "head_0_dense/kernel" in error.message


def test_weight_missing_from_manifest(tmp_path):
    weights = fixture_weights()
    del weights["base_0_conv2d/bias"]
    write_tfjs_model(tmp_path, fixture_topology(), weights)
    assert "base_0_conv2d/bias" in _error(tmp_path).message


def test_unused_weight_in_manifest(tmp_path):
    weights = {**fixture_weights(), "ghost/kernel": np.zeros((2,), np.float32)}
    write_tfjs_model(tmp_path, fixture_topology(), weights)
    assert "ghost/kernel" in _error(tmp_path).message


def test_nan_weights_are_corrupt(tmp_path):
    weights = fixture_weights()
    weights["head_1_dense/bias"][0] = np.nan
    write_tfjs_model(tmp_path, fixture_topology(), weights)
    assert "NaN" in _error(tmp_path).message


def test_unsupported_layer_lists_supported_ones(tmp_path):
    layers = fixture_topology()
    layers.insert(1, {"class_name": "BatchNormalization", "config": {"name": "base_x_bn", "axis": -1}})
    write_tfjs_model(tmp_path, layers, fixture_weights())
    error = _error(tmp_path)
    assert error.code_name == "UNSUPPORTED_LAYER"
    assert "BatchNormalization" in error.message
    assert all(name in error.message for name in SUPPORTED_LAYER_CLASSES)


def test_unsupported_activation(tmp_path):
    layers = fixture_topology()
    layers[4]["config"]["activation"] = "elu"
    write_tfjs_model(tmp_path, layers, fixture_weights())
    assert _error(tmp_path).code_name == "UNSUPPORTED_LAYER"


def test_weights_path_outside_model_folder(model_dir):
    model_json = json.loads((model_dir / "model.json").read_text())
    model_json["weightsManifest"][0]["paths"] = ["../weights.bin"]
    (model_dir / "model.json").write_text(json.dumps(model_json))
    assert "outside" in _error(model_dir).message
