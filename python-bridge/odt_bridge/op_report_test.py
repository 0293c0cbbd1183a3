import pytest

from odt_bridge.errors import BridgeError
from odt_bridge.op_report import op_report_for_bytes, op_report_for_file, run_op_report


def test_default_model_is_builtin_only_per_signature(converted):
    report = op_report_for_file(converted["outDir"] / "model.tflite")
    assert set(report["signatures"]) == {"train", "infer", "save", "restore"}
    assert report["counts"]["flex"] == 0 and report["counts"]["custom"] == 0
    assert report["counts"]["builtin"] == sum(op["count"] for op in report["ops"])
    train_ops = {op["name"] for op in report["signatures"]["train"]["ops"]}
    assert {"CONV_2D", "ASSIGN_VARIABLE", "READ_VARIABLE"} <= train_ops
    assert not any("Grad" in op["name"] for op in report["ops"])


def test_flex_flavour_lists_its_flex_ops(converted):
    report = op_report_for_file(converted["outDir"] / "model-flex.tflite")
    flex = {op["name"] for op in report["ops"] if op["kind"] == "flex"}
    assert {"FlexSave", "FlexRestore"} <= flex
    assert report["signatures"]["train"]["counts"]["flex"] == 0
    assert report["signatures"]["save"]["counts"]["flex"] >= 1


def test_written_report_covers_every_model(converted):
    import json

    written = json.loads((converted["outDir"] / "op-report.json").read_text())
    assert set(written["models"]) == {"model.tflite", "model-flex.tflite", "model-inference.tflite"}


def test_not_a_model(tmp_path):
    with pytest.raises(BridgeError) as caught:
        op_report_for_bytes(b"definitely not a flatbuffer")
    assert caught.value.code_name == "ARTIFACTS_INVALID"
    with pytest.raises(BridgeError):
        run_op_report({"modelPath": str(tmp_path / "missing.tflite")})
