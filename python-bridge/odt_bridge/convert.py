"""model:convert: tfjs artifacts + signature contract -> SavedModel -> .tflite flavours.

Outputs (all written in a staging folder and renamed into `outDir` at the very end, so a
failed run leaves no folder at all):
* model.tflite            trainable, TFLite builtin ops only (the default; fails if Flex is needed)
* model-flex.tflite       optional, TensorFlow on-device-training-guide flavour (checkpoint_path, Flex)
* model-inference.tflite  `infer` only, dynamic-range (or float16) quantised, with its accuracy delta
* op-report.json, convert-result.json
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .constants import (
    BASE_DIR,
    CONVERT_RESULT_JSON,
    FLAVOUR_BUILTIN,
    FLAVOUR_FLEX,
    FLAVOURS,
    MODEL_FLEX_TFLITE,
    MODEL_INFERENCE_TFLITE,
    MODEL_TFLITE,
    OP_REPORT_JSON,
    QUANTIZE_DYNAMIC_RANGE,
    QUANTIZE_FLOAT16,
    QUANTIZE_MODES,
    SAVED_MODEL_DIR,
    SCHEMA_VERSION,
    SIG_FEATURES,
)
from .contract import ConversionPlan, is_pretrained, load_contract, plan_conversion, plan_pretrained
from .errors import BridgeError
from .files import clear_stale_output, staged_output, write_bytes_atomic, write_json_atomic
from .heldout import Heldout, load_heldout
from .op_report import op_report_for_bytes
from .runtime import features_batched, flex_interpreter, infer_batched, plain_interpreter, run
from .tf_setup import tf
from .tfjs_loader import load_tfjs_model
from .trainable_module import InferenceModule, TrainableModule

# How many held-out samples the post-conversion guard compares (eager module vs .tflite).
GUARD_SAMPLES = 64
GUARD_TOLERANCE = 1e-5
# A pretrained base is tens of layers deep: float32 reassociation alone moves probabilities by ~1e-5,
# so its guard uses verify's parity bound; dropped weights move them by orders of magnitude more.
PRETRAINED_GUARD_TOLERANCE = 1e-4
# Embeddings are not bounded like probabilities: the guard allows float32 rounding relative to their scale.
FEATURES_GUARD_RTOL = 1e-4


def _ms(start: float) -> float:
    return round((time.perf_counter() - start) * 1000.0, 1)


def _path(request: dict[str, Any], key: str, required: bool = True) -> Path | None:
    value = request.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise BridgeError("USAGE", f"the request needs a string '{key}'", {"key": key})
    return Path(value)


def convert_saved_model(saved_dir: Path, signature_keys: list[str], flavour: str, quantize: str | None = None) -> bytes:
    """Runs the TFLite converter. Builtin flavour: TFLITE_BUILTINS only, and a failure that comes
    from an op outside that set says so (the fix is in the model, not in enabling Flex)."""
    converter = tf.lite.TFLiteConverter.from_saved_model(str(saved_dir), signature_keys=signature_keys)
    ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if flavour == FLAVOUR_FLEX:
        ops.append(tf.lite.OpsSet.SELECT_TF_OPS)
    converter.target_spec.supported_ops = ops
    converter.experimental_enable_resource_variables = True
    if quantize in (QUANTIZE_DYNAMIC_RANGE, QUANTIZE_FLOAT16):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        if quantize == QUANTIZE_FLOAT16:
            converter.target_spec.supported_types = [tf.float16]
    try:
        return converter.convert()
    except Exception as error:  # the converter raises ConverterError and assorted runtime errors
        text = str(error)
        details = list(getattr(error, "errors", None) or [])
        flex_ops = sorted({d.operator.name for d in details if "NEEDS_FLEX" in str(d)})
        needs_flex = flavour == FLAVOUR_BUILTIN and (bool(flex_ops) or "neither a custom op nor a flex op" in text)
        message = (
            f"the model needs ops outside the TFLite builtin set ({', '.join(flex_ops) or 'see converterOutput'}); "
            "they would be Flex ops, and the default flavour must be builtin-only"
            if needs_flex else f"the TFLite converter failed ({flavour} flavour)"
        )
        raise BridgeError("CONVERSION_FAILED", message,
                          {"flavour": flavour, "flexOps": flex_ops, "converterOutput": text[-4000:]}) from None


def export_saved_model(module: tf.Module, signatures: dict[str, Any], folder: Path) -> None:
    """SavedModel with exactly the given signature keys."""
    try:
        tf.saved_model.save(module, str(folder), signatures=signatures)
    except Exception as error:
        raise BridgeError("CONVERSION_FAILED", f"SavedModel export failed: {error}") from None


def expected_initial_state(plan: ConversionPlan) -> np.ndarray:
    """The state vector a freshly loaded model must return: trained head weights, zero slots, step 0."""
    state = np.zeros([plan.contract["state"]["size"]], np.float32)
    weights = [w for layer in plan.head for w in (layer.kernel, layer.bias)]
    for segment, value in zip(plan.contract["state"]["segments"], weights):
        state[segment["offset"]:segment["offset"] + segment["size"]] = value.reshape(-1)
    return state


def guard_weights_survived(plan: ConversionPlan, module: TrainableModule, model: bytes, heldout: Heldout, flavour: str) -> dict[str, Any]:
    """tensorflow/tensorflow#98964: conversion once dropped variables created in __init__. Check the
    converted model infers like the eager module and still holds exactly the trained weights."""
    x = heldout.x[:GUARD_SAMPLES]
    eager = module.infer(tf.constant(x))["probabilities"].numpy()
    interpreter = plain_interpreter(model) if flavour == FLAVOUR_BUILTIN else flex_interpreter(model)
    converted = infer_batched(interpreter, x)["probabilities"]
    diff = float(np.max(np.abs(eager - converted))) if x.shape[0] else 0.0
    result: dict[str, Any] = {"inferMaxAbsDiff": diff, "samples": int(x.shape[0])}
    if plan.pretrained is not None and x.shape[0]:
        eager_e = module.features(tf.constant(x))["embedding"].numpy()
        features_diff = float(np.max(np.abs(eager_e - features_batched(interpreter, x)["embedding"])))
        limit = FEATURES_GUARD_RTOL * max(1.0, float(np.max(np.abs(eager_e))))
        result.update({"featuresMaxAbsDiff": features_diff, "featuresTolerance": limit})
        if not features_diff <= limit:
            raise BridgeError("CONVERSION_FAILED", f"the converted {flavour} model's features differ from the module it came "
                              f"from (max abs diff {features_diff:.3g} > {limit:.3g}); base constants were likely altered", result)
    tolerance = GUARD_TOLERANCE if plan.pretrained is None else PRETRAINED_GUARD_TOLERANCE
    result["inferTolerance"] = tolerance
    if not diff <= tolerance:
        raise BridgeError(
            "CONVERSION_FAILED",
            f"the converted {flavour} model infers differently from the module it came from (max abs diff {diff:.3g}); "
            "weights were likely dropped in conversion (tensorflow/tensorflow#98964)",
            result,
        )
    if flavour == FLAVOUR_BUILTIN:
        state = run(interpreter, "save", request=np.zeros([1], np.float32))["state"]
        expected = expected_initial_state(plan)
        exact = state.shape == expected.shape and bool(np.array_equal(state, expected))
        result["saveReturnsTrainedWeights"] = exact
        if not exact:
            raise BridgeError(
                "CONVERSION_FAILED",
                "save() of the converted model does not return exactly the trained head weights "
                "(tensorflow/tensorflow#98964: variables created in __init__ were dropped or altered)",
                result,
            )
    return result


def inference_companion_delta(float_model: bytes, quant_model: bytes, heldout: Heldout) -> dict[str, Any]:
    """Accuracy and agreement of the quantised companion vs the float32 model on held-out data."""
    f = infer_batched(plain_interpreter(float_model), heldout.x)["probabilities"]
    q = infer_batched(plain_interpreter(quant_model), heldout.x)["probabilities"]
    f_arg, q_arg = f.argmax(axis=1), q.argmax(axis=1)
    f_acc = float(np.mean(f_arg == heldout.labels))
    q_acc = float(np.mean(q_arg == heldout.labels))
    return {
        "samples": heldout.count,
        "float32Accuracy": f_acc,
        "quantizedAccuracy": q_acc,
        "accuracyDelta": q_acc - f_acc,
        "argmaxAgreement": float(np.mean(f_arg == q_arg)),
        "maxAbsProbabilityDiff": float(np.max(np.abs(f - q))),
    }


def _parse_request(request: dict[str, Any]) -> dict[str, Any]:
    flavours = request.get("flavours", [FLAVOUR_BUILTIN])
    if not isinstance(flavours, list) or not flavours or any(f not in FLAVOURS for f in flavours):
        raise BridgeError("USAGE", f"flavours must be a non-empty list of {', '.join(FLAVOURS)}", {"flavours": flavours})
    if FLAVOUR_BUILTIN not in flavours:
        raise BridgeError("USAGE", "flavours must include 'builtin': the default model is always built")
    quantize = request.get("quantize", QUANTIZE_DYNAMIC_RANGE)
    if quantize not in QUANTIZE_MODES:
        raise BridgeError("USAGE", f"quantize must be one of {', '.join(QUANTIZE_MODES)}", {"quantize": quantize})
    tfjs_dir = _path(request, "tfjsModelDir")
    return {
        "tfjsModelDir": tfjs_dir,
        "baseDir": _path(request, "baseDir", required=False) or tfjs_dir.parent / BASE_DIR,
        "contractPath": _path(request, "contractPath"),
        "heldoutDir": _path(request, "heldoutDir"),
        "outDir": _path(request, "outDir"),
        "flavours": flavours,
        "quantize": quantize,
        "keepSavedModel": bool(request.get("keepSavedModel", False)),
    }


def load_plan(model: Any, contract: dict[str, Any], base_dir: Path) -> ConversionPlan:
    """The conversion plan: layer base from the tfjs model, or (trainInput "embedding") the head-only
    tfjs model plus the pretrained base copied to base/."""
    if not is_pretrained(contract):
        return plan_conversion(model, contract)
    from .pretrained_base import load_contract_base

    return plan_pretrained(model, contract, load_contract_base(contract, base_dir))


def pretrained_summary(plan: ConversionPlan) -> dict[str, Any]:
    """What convert-result records about a pretrained base."""
    base = plan.pretrained
    ops = sorted({node["op"] for node in base.graph.nodes.values()})
    return {"format": base.fmt, "featureOutput": base.feature_output, "embeddingSize": base.embedding_size,
            "sha256": plan.contract["base"]["sha256"], "preprocessing": base.preprocessing,
            "baseWeightBytes": base.graph.weight_bytes, "graphOps": ops, "signature": SIG_FEATURES}


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def run_convert(request: dict[str, Any]) -> dict[str, Any]:
    """The whole stage; returns the convert-result (also written to outDir)."""
    started = time.perf_counter()
    req = _parse_request(request)
    clear_stale_output(req["outDir"], CONVERT_RESULT_JSON)  # old results must not outlive a failed run
    timings: dict[str, float] = {}
    t = time.perf_counter()
    model = load_tfjs_model(req["tfjsModelDir"])
    contract = load_contract(req["contractPath"])
    plan = load_plan(model, contract, req["baseDir"])
    heldout = load_heldout(req["heldoutDir"], contract["inputShape"], plan.classes, contract.get("embeddingSize"))
    timings["loadMs"] = _ms(t)

    files: dict[str, bytes] = {}
    guards: dict[str, Any] = {}
    reports: dict[str, Any] = {}
    companion: dict[str, Any] | None = None
    work = Path(tempfile.mkdtemp(prefix="odt-convert-"))
    try:
        for flavour in req["flavours"]:
            t = time.perf_counter()
            module = TrainableModule(plan, flavour)
            saved = work / f"{SAVED_MODEL_DIR}-{flavour}"
            export_saved_model(module, module.signatures(), saved)
            data = convert_saved_model(saved, list(plan.signature_names), flavour)
            timings[f"{flavour}ConvertMs"] = _ms(t)
            name = MODEL_TFLITE if flavour == FLAVOUR_BUILTIN else MODEL_FLEX_TFLITE
            report = op_report_for_bytes(data)
            if flavour == FLAVOUR_BUILTIN and report["counts"]["flex"] + report["counts"]["custom"] > 0:
                raise BridgeError(
                    "CONVERSION_FAILED",
                    "the default model contains Flex/custom ops; it must run in the plain LiteRT runtime",
                    {"ops": [op for op in report["ops"] if op["kind"] != "builtin"]},
                )
            t = time.perf_counter()
            guards[flavour] = guard_weights_survived(plan, module, data, heldout, flavour)
            timings[f"{flavour}GuardMs"] = _ms(t)
            files[name] = data
            reports[name] = {"flavour": flavour, **report}
        if req["quantize"] != "none":
            t = time.perf_counter()
            inference = InferenceModule(plan)
            saved = work / f"{SAVED_MODEL_DIR}-inference"
            export_saved_model(inference, {"infer": inference.infer.get_concrete_function()}, saved)
            data = convert_saved_model(saved, ["infer"], FLAVOUR_BUILTIN, req["quantize"])
            timings["inferenceConvertMs"] = _ms(t)
            files[MODEL_INFERENCE_TFLITE] = data
            reports[MODEL_INFERENCE_TFLITE] = {"flavour": f"inference-{req['quantize']}", **op_report_for_bytes(data)}
            companion = {"quantize": req["quantize"], "bytes": len(data), **inference_companion_delta(files[MODEL_TFLITE], data, heldout)}
        timings["totalMs"] = _ms(started)
        result = {
            "ok": True,
            "schemaVersion": SCHEMA_VERSION,
            "modelName": contract["modelName"],
            "pythonVersion": platform.python_version(),
            "converterTensorflowVersion": tf.__version__,
            "litertVersion": _litert_version(),
            "tfjsGeneratedBy": model.generated_by,
            "flavours": req["flavours"],
            "files": {name: {"bytes": len(data), "sha256": _sha256(data)} for name, data in sorted(files.items())},
            "sizes": {
                "modelBytes": len(files[MODEL_TFLITE]),
                "flexModelBytes": len(files[MODEL_FLEX_TFLITE]) if MODEL_FLEX_TFLITE in files else None,
                "inferenceModelBytes": len(files[MODEL_INFERENCE_TFLITE]) if MODEL_INFERENCE_TFLITE in files else None,
                "rawFloat32WeightBytes": model.weight_bytes + (plan.pretrained.graph.weight_bytes if plan.pretrained else 0),
                "stateBytes": int(contract["state"]["size"]) * 4,
            },
            "opCounts": {name: report["counts"] for name, report in reports.items()},
            "guards": guards,
            "inferenceCompanion": companion,
            "heldoutSamples": heldout.count,
            "timings": timings,
        }
        if plan.pretrained is not None:
            result["pretrainedBase"] = pretrained_summary(plan)
        with staged_output(req["outDir"], CONVERT_RESULT_JSON) as staging:
            for name, data in files.items():
                write_bytes_atomic(staging / name, data)
            write_json_atomic(staging / OP_REPORT_JSON, {"schemaVersion": SCHEMA_VERSION, "models": reports})
            if req["keepSavedModel"]:
                shutil.copytree(work / f"{SAVED_MODEL_DIR}-{FLAVOUR_BUILTIN}", staging / SAVED_MODEL_DIR)
            write_json_atomic(staging / CONVERT_RESULT_JSON, result)  # last: marks the folder complete
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _litert_version() -> str | None:
    try:
        from importlib.metadata import version

        return version("ai-edge-litert")
    except Exception:
        return None
