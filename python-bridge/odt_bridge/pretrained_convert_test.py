"""convert + verify (+ bench-pretrained) for a pretrained base, with the committed MobileNetV2 graph
model: the model has the five signatures, 0 Flex ops, `features` matches the reference embeddings,
verify passes every check, and a broken base writes nothing. One conversion is shared by the module."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from odt_bridge.conftest import convert_request
from odt_bridge.convert import run_convert
from odt_bridge.errors import BridgeError
from odt_bridge.pretrained_testdata import BATCH, D, HIDDEN, LABELS, images, make_pretrained_train_dir
from odt_bridge.runtime import features_batched, plain_interpreter, run
from odt_bridge.verify import run_verify


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """modelDir/train (base/, tfjs/, contract.json, heldout/) and modelDir/convert, as the pipeline lays them out."""
    model_dir = tmp_path_factory.mktemp("pretrained")
    paths = make_pretrained_train_dir(model_dir / "train")
    result = run_convert(convert_request(paths, model_dir / "convert", quantize="dynamic-range"))
    return {"modelDir": model_dir, "result": result, **paths}


def test_converted_model_has_the_features_signature_and_no_flex_ops(pretrained):
    result = pretrained["result"]
    assert result["opCounts"]["model.tflite"]["flex"] == 0 and result["opCounts"]["model.tflite"]["custom"] == 0
    assert result["pretrainedBase"]["embeddingSize"] == D and result["pretrainedBase"]["featureOutput"] == "Identity"
    assert result["guards"]["builtin"]["saveReturnsTrainedWeights"] is True
    interpreter = plain_interpreter((pretrained["modelDir"] / "convert" / "model.tflite").read_bytes())
    assert sorted(interpreter.get_signature_list()) == ["features", "infer", "restore", "save", "train"]
    train = interpreter.get_signature_runner("train").get_input_details()
    assert [int(d) for d in train["x"]["shape_signature"]] == [BATCH, D]
    heldout = pretrained["heldoutDir"]
    x = np.fromfile(heldout / "x.f32", "<f4").reshape([-1, 96, 96, 3])[:32]
    expected = np.fromfile(heldout / "tfjs-embeddings.f32", "<f4").reshape([-1, D])[:32]
    assert np.max(np.abs(features_batched(interpreter, x)["embedding"] - expected)) < 1e-4
    companion = plain_interpreter((pretrained["modelDir"] / "convert" / "model-inference.tflite").read_bytes())
    assert list(companion.get_signature_list()) == ["infer"]


def test_verify_passes_every_check_including_features_parity(pretrained, tmp_path):
    report = run_verify({"convertDir": str(pretrained["modelDir"] / "convert"), "contractPath": str(pretrained["contractPath"]),
                         "heldoutDir": str(pretrained["heldoutDir"]), "outDir": str(tmp_path / "verify"), "steps": 6})
    checks = {check["name"]: check for check in report["checks"]}
    assert report["passed"] is True, [c for c in report["checks"] if not c["passed"]]
    assert {"features-parity-tfjs", "infer-parity-tfjs", "lowers-loss", "frozen-base-unchanged",
            "save-restore-bit-identical", "resume-equals-uninterrupted", "builtin-ops-only"} <= set(checks)
    assert checks["features-parity-tfjs"]["detail"]["samples"] >= 256
    assert checks["frozen-base-unchanged"]["detail"]["featuresBitIdenticalAfterTraining"] is True


def _copy_train(pretrained, root: Path) -> dict[str, Path]:
    shutil.copytree(pretrained["modelDir"] / "train", root)
    return {"tfjsModelDir": root / "tfjs", "contractPath": root / "contract.json", "heldoutDir": root / "heldout"}


def test_a_base_op_outside_the_allowlist_fails_convert_and_writes_nothing(pretrained, tmp_path):
    paths = _copy_train(pretrained, tmp_path / "train")
    model_json = tmp_path / "train" / "base" / "model.json"
    graph = json.loads(model_json.read_text())
    node = next(n for n in graph["modelTopology"]["node"] if n["op"] == "Mean")
    node["op"] = "Cumprod"
    model_json.write_text(json.dumps(graph))
    contract = json.loads(paths["contractPath"].read_text())
    from odt_bridge.pretrained_base import base_sha256

    contract["base"]["sha256"] = base_sha256("tfjs-graph-model", tmp_path / "train" / "base")
    paths["contractPath"].write_text(json.dumps(contract))
    with pytest.raises(BridgeError) as caught:
        run_convert(convert_request(paths, tmp_path / "out"))
    assert caught.value.code_name == "UNSUPPORTED_OP" and caught.value.exit_status == 36
    assert "Cumprod" in caught.value.message and node["name"] in caught.value.message
    assert not (tmp_path / "out").exists()


def test_base_files_that_differ_from_the_contract_are_refused(pretrained, tmp_path):
    paths = _copy_train(pretrained, tmp_path / "train")
    shard = tmp_path / "train" / "base" / "group1-shard1of1.bin"
    data = bytearray(shard.read_bytes())
    data[0] ^= 1
    shard.write_bytes(bytes(data))
    with pytest.raises(BridgeError) as caught:
        run_convert(convert_request(paths, tmp_path / "out"))
    assert caught.value.code_name == "CONTRACT_MISMATCH" and "sha256" in caught.value.message
    assert not (tmp_path / "out").exists()


def test_bench_pretrained_reports_both_halves(pretrained, tmp_path):
    """Tiny sizes: 16 training images, 1 epoch, 2 device steps."""
    from odt_bridge.bench_pretrained import run_bench_pretrained
    from odt_bridge.pretrained_testdata import head_weights

    data = tmp_path / "data"
    data.mkdir()
    rng = np.random.default_rng(3)
    for part, count in (("train", 16), ("validation", 8), ("test", 8)):
        images(count, {"train": 1, "validation": 2, "test": 3}[part]).astype("<f4").tofile(data / f"{part}-x.f32")
        rng.integers(0, len(LABELS), count).astype("<i4").tofile(data / f"{part}-y.i32")
    rng.permutation(16).astype("<i4").reshape([1, 16]).tofile(data / "orders.i32")
    weights = head_weights()
    initial = [weights[k].tolist() for k in ("head_0_dense/kernel", "head_0_dense/bias", "head_1_dense/kernel", "head_1_dense/bias")]
    (data / "initial-head.json").write_text(json.dumps(initial))
    result = run_bench_pretrained({
        "modelDir": str(pretrained["modelDir"]), "dataDir": str(data), "inputShape": [96, 96, 3], "classes": len(LABELS),
        "head": [{"units": HIDDEN, "activation": "relu"}, {"units": len(LABELS), "activation": "softmax"}],
        "learningRate": 0.001, "batchSize": 8, "epochs": 1, "deviceSteps": 2,
    })
    assert result["ok"] is True
    assert result["keras"]["seconds"] > 0 and 0.0 <= result["keras"]["testAccuracy"] <= 1.0
    device = result["device"]
    assert device["embeddingStepMs"] > 0 and device["imageStepMs"] > device["embeddingStepMs"]
    assert device["modelBytes"] > 0 and device["embed100Ms"] > 0
