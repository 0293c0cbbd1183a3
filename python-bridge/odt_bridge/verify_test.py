import json

import pytest

from odt_bridge.conftest import convert_request, fixture_topology, fixture_weights, make_train_dir, write_tfjs_model
from odt_bridge.convert import run_convert
from odt_bridge.errors import BridgeError
from odt_bridge.verify import run_verify


def _request(converted, out_dir, **extra):
    return {"convertDir": str(converted["outDir"]), "contractPath": str(converted["contractPath"]),
            "heldoutDir": str(converted["heldoutDir"]), "outDir": str(out_dir), "steps": 8, **extra}


def test_converted_model_passes_every_check(converted, tmp_path):
    result = run_verify(_request(converted, tmp_path / "verify"))
    report = json.loads((tmp_path / "verify" / "verify-report.json").read_text())
    assert result["passed"] is True and report["passed"] is True
    names = {check["name"] for check in report["checks"]}
    assert {"signatures-match-contract", "builtin-ops-only", "infer-parity-tfjs", "lowers-loss", "frozen-base-unchanged",
            "save-restore-bit-identical", "resume-equals-uninterrupted", "flex-flavour-matches-default"} <= names
    by_name = {check["name"]: check for check in report["checks"]}
    assert by_name["infer-parity-tfjs"]["detail"]["samples"] >= 256
    assert by_name["lowers-loss"]["detail"]["heldoutLossAfter"] < by_name["lowers-loss"]["detail"]["heldoutLossBefore"]
    assert by_name["resume-equals-uninterrupted"]["detail"]["maxStateDiff"] <= 1e-6
    assert report["model"]["sha256"] == converted["result"]["files"]["model.tflite"]["sha256"]


def test_model_that_drifted_from_tfjs_fails_parity(converted, tmp_path):
    """A model converted from other weights than the ones tfjs-node's probabilities came from."""
    other = make_train_dir(tmp_path / "train")
    write_tfjs_model(other["tfjsModelDir"], fixture_topology(), fixture_weights(seed=99))
    run_convert(convert_request(other, tmp_path / "convert", quantize="none"))
    request = _request({**converted, "outDir": tmp_path / "convert"}, tmp_path / "verify",
                       tfjsModelDir=str(other["tfjsModelDir"]))
    with pytest.raises(BridgeError) as caught:
        run_verify(request)
    assert caught.value.code_name == "VERIFICATION_FAILED"
    assert "infer-parity-tfjs" in caught.value.context["failed"]
    report = json.loads((tmp_path / "verify" / "verify-report.json").read_text())
    assert report["passed"] is False


def test_missing_model_is_reported_before_any_check(converted, tmp_path):
    empty = tmp_path / "convert"
    empty.mkdir()
    with pytest.raises(BridgeError) as caught:
        run_verify(_request({**converted, "outDir": empty}, tmp_path / "verify"))
    assert caught.value.code_name == "ARTIFACTS_INVALID"
    assert not (tmp_path / "verify").exists()


def test_steps_are_validated(converted, tmp_path):
    with pytest.raises(BridgeError) as caught:
        run_verify(_request(converted, tmp_path / "verify", steps=1))
    assert caught.value.code_name == "USAGE"
