import json

import numpy as np
import pytest

from odt_bridge.conftest import convert_request, fixture_topology, fixture_weights, make_train_dir, write_tfjs_model
from odt_bridge.convert import convert_saved_model, export_saved_model, run_convert
from odt_bridge.errors import BridgeError
from odt_bridge.runtime import plain_interpreter, run
from odt_bridge.tf_setup import tf


def test_trivial_module_converts_with_the_pinned_tensorflow(tmp_path):
    """Issue 2's acceptance: the venv imports TensorFlow and converts a tf.Module to TFLite."""

    class Doubler(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([None, 2], tf.float32, name="x")])
        def double(self, x):
            return {"y": x * 2.0}

    module = Doubler()
    export_saved_model(module, {"double": module.double.get_concrete_function()}, tmp_path / "sm")
    model = convert_saved_model(tmp_path / "sm", ["double"], "builtin")
    out = run(plain_interpreter(model), "double", x=np.array([[1.0, -3.0]], np.float32))["y"]
    assert out.tolist() == [[2.0, -6.0]]


def test_builtin_flavour_refuses_ops_that_need_flex(tmp_path):
    class NeedsFlex(tf.Module):
        @tf.function(input_signature=[tf.TensorSpec([], tf.string, name="path")])
        def save(self, path):
            tf.raw_ops.Save(filename=path, tensor_names=["w"], data=[tf.ones([2])])
            return {"path": path}

    module = NeedsFlex()
    export_saved_model(module, {"save": module.save.get_concrete_function()}, tmp_path / "sm")
    with pytest.raises(BridgeError) as caught:
        convert_saved_model(tmp_path / "sm", ["save"], "builtin")
    assert caught.value.code_name == "CONVERSION_FAILED"
    assert "Flex" in caught.value.message and "tf.Save" in caught.value.message


def test_outputs_and_result(converted):
    out, result = converted["outDir"], converted["result"]
    assert sorted(p.name for p in out.iterdir()) == [
        "convert-result.json", "model-flex.tflite", "model-inference.tflite", "model.tflite", "op-report.json"]
    assert json.loads((out / "convert-result.json").read_text()) == json.loads(json.dumps(result))
    assert result["opCounts"]["model.tflite"]["flex"] == 0
    assert result["opCounts"]["model-flex.tflite"]["flex"] > 0
    assert result["guards"]["builtin"]["saveReturnsTrainedWeights"] is True
    assert result["sizes"]["rawFloat32WeightBytes"] == sum(v.nbytes for v in fixture_weights().values())
    companion = result["inferenceCompanion"]
    assert companion["bytes"] == (out / "model-inference.tflite").stat().st_size
    assert 0.0 <= companion["argmaxAgreement"] <= 1.0
    assert not list(out.parent.glob(".*partial"))


def _expect_failure(request, code):
    with pytest.raises(BridgeError) as caught:
        run_convert(request)
    assert caught.value.code_name == code
    return caught.value


def test_contract_not_matching_the_model_writes_nothing(tmp_path, train_dir):
    contract = json.loads(train_dir["contractPath"].read_text())
    contract["labels"] = ["a", "b", "c", "d"]  # 4 labels for a 3-class model; signatures rebuilt to match
    from odt_bridge.contract import build_signature_contract

    rebuilt = build_signature_contract("fixture", [8, 8, 1], contract["labels"], 4, "base_3_dropout",
                                       [{**contract["head"][0]}, {**contract["head"][1], "units": 4}], contract["optimizer"])
    path = tmp_path / "contract.json"
    path.write_text(json.dumps(rebuilt))
    out = tmp_path / "out"
    out.mkdir()
    (out / "convert-result.json").write_text("{}")  # a previous run's result must not survive
    error = _expect_failure(convert_request({**train_dir, "contractPath": path}, out), "CONTRACT_MISMATCH")
    assert "head_1_dense" in error.message
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == ["contract.json"]


def test_unsupported_layer_writes_nothing(tmp_path, train_dir):
    layers = fixture_topology()
    layers.insert(2, {"class_name": "AveragePooling2D", "config": {"name": "base_x_avg", "pool_size": [1, 1]}})
    write_tfjs_model(tmp_path / "tfjs", layers, fixture_weights())
    error = _expect_failure(convert_request({**train_dir, "tfjsModelDir": tmp_path / "tfjs"}, tmp_path / "out"), "UNSUPPORTED_LAYER")
    assert "Conv2D" in error.message and "MaxPooling2D" in error.message
    assert not (tmp_path / "out").exists()


def test_corrupt_weights_write_nothing(tmp_path):
    paths = make_train_dir(tmp_path / "train")
    (paths["tfjsModelDir"] / "weights.bin").write_bytes(b"\0" * 10)
    _expect_failure(convert_request(paths, tmp_path / "out"), "ARTIFACTS_INVALID")
    assert not (tmp_path / "out").exists()


def test_bad_request_is_a_usage_error(tmp_path, train_dir):
    _expect_failure(convert_request(train_dir, tmp_path / "out", flavours=["flex"]), "USAGE")
    _expect_failure({"outDir": str(tmp_path / "out")}, "USAGE")
