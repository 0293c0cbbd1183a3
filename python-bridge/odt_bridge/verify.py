"""model:verify: runs the converted model in the plain LiteRT interpreter (no Flex delegate)
and writes verify-report.json with one entry per check of issue 4. Any failed check -> the
report says passed=false and the command exits VERIFICATION_FAILED (35)."""

from __future__ import annotations

import hashlib
import tempfile
import traceback
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .constants import (
    BASE_DIR,
    CHECKPOINT_PATH_INPUT,
    DEFAULT_VERIFY_STEPS,
    MODEL_FLEX_TFLITE,
    MODEL_TFLITE,
    PARITY_MAX_ABS_DIFF,
    PARITY_MIN_SAMPLES,
    RESUME_TOLERANCE,
    SCHEMA_VERSION,
    VERIFY_REPORT_JSON,
)
from .contract import load_contract
from .convert import load_plan
from .errors import BridgeError
from .files import clear_stale_output, staged_output, write_json_atomic
from .heldout import Heldout, load_heldout
from .op_report import op_report_for_bytes
from .reference_forward import reference_base, reference_head
from .runtime import features_batched, flex_interpreter, infer_batched, plain_interpreter, run
from .tfjs_loader import load_tfjs_model

# Logits may be large; the base check allows float32 rounding relative to their scale.
BASE_CHECK_RTOL = 1e-4
EVAL_SAMPLES = 256


def _batches(heldout: Heldout, batch: int, classes: int, steps: int, start: int = 0):
    """Deterministic training batches cycling over the held-out set (its tfjs-node embeddings when
    `train` takes embeddings, i.e. for a pretrained base)."""
    y_all = heldout.one_hot(classes)
    x_all = heldout.embeddings if heldout.embeddings is not None else heldout.x
    n = heldout.count
    for step in range(start, start + steps):
        idx = [(step * batch + i) % n for i in range(batch)]
        yield x_all[idx], y_all[idx]


def _cross_entropy(probabilities: np.ndarray, labels: np.ndarray) -> float:
    p = np.clip(probabilities[np.arange(labels.shape[0]), labels].astype(np.float64), 1e-7, 1.0)
    return float(-np.mean(np.log(p)))


class Verifier:
    """Holds the model bytes, contract and data; each check_* returns (passed, detail)."""

    def __init__(self, model: bytes, contract: dict[str, Any], heldout: Heldout, plan, steps: int) -> None:
        self.model = model
        self.contract = contract
        self.heldout = heldout
        self.plan = plan
        self.steps = steps
        self.batch = int(contract["trainBatchSize"])
        self.classes = len(contract["labels"])
        self.request = np.zeros([1], np.float32)

    def fresh(self) -> Any:
        return plain_interpreter(self.model)

    def train(self, interpreter: Any, steps: int, start: int = 0) -> list[float]:
        losses = []
        for x, y in _batches(self.heldout, self.batch, self.classes, steps, start):
            losses.append(float(run(interpreter, "train", x=x, y=y)["loss"]))
        return losses

    def state(self, interpreter: Any) -> np.ndarray:
        return run(interpreter, "save", request=self.request)["state"]

    def head_weights(self, state: np.ndarray) -> list[np.ndarray]:
        segments = [s for s in self.contract["state"]["segments"] if s["kind"] == "weight"]
        return [state[s["offset"]:s["offset"] + s["size"]].reshape(s["shape"]) for s in segments]

    # --- checks -----------------------------------------------------------------------
    def check_signatures(self) -> tuple[bool, dict[str, Any]]:
        interpreter = self.fresh()
        names = sorted(interpreter.get_signature_list())
        problems: list[str] = []
        wanted = self.plan.signature_names
        if names != sorted(wanted):
            problems.append(f"signatures are {names}, expected {sorted(wanted)}")
        for name in wanted:
            if name not in names:
                continue
            runner = interpreter.get_signature_runner(name)
            spec = self.contract["signatures"][name]
            for side, details in (("inputs", runner.get_input_details()), ("outputs", runner.get_output_details())):
                actual = {k: ([int(d) for d in v["shape_signature"]], np.dtype(v["dtype"]).name) for k, v in details.items()}
                expected = {t["name"]: (list(t["shape"]), t["dtype"]) for t in spec[side]}
                if actual != expected:
                    problems.append(f"{name}.{side}: model {actual} != contract {expected}")
        return not problems, {"signatures": names, "problems": problems}

    def check_builtin_only(self) -> tuple[bool, dict[str, Any]]:
        report = op_report_for_bytes(self.model)
        return report["counts"]["flex"] == 0 and report["counts"]["custom"] == 0, {"counts": report["counts"]}

    def check_fresh_state(self) -> tuple[bool, dict[str, Any]]:
        from .convert import expected_initial_state

        state = self.state(self.fresh())
        expected = expected_initial_state(self.plan)
        ok = state.shape == expected.shape and bool(np.array_equal(state, expected))
        return ok, {"stateSize": int(state.shape[0]), "equalsTrainedWeightsZeroSlotsStep0": ok}

    def check_parity(self) -> tuple[bool, dict[str, Any]]:
        h = self.heldout
        if h.probabilities is None:
            return False, {"error": "heldout has no tfjs probabilities file"}
        if h.count < PARITY_MIN_SAMPLES:
            return False, {"error": f"only {h.count} held-out samples; parity needs >= {PARITY_MIN_SAMPLES}"}
        ours = infer_batched(self.fresh(), h.x)["probabilities"]
        diff = float(np.max(np.abs(ours - h.probabilities)))
        agreement = float(np.mean(ours.argmax(1) == h.probabilities.argmax(1)))
        detail = {"samples": h.count, "maxAbsDiff": diff, "threshold": PARITY_MAX_ABS_DIFF, "argmaxAgreement": agreement,
                  "accuracy": float(np.mean(ours.argmax(1) == h.labels))}
        return diff <= PARITY_MAX_ABS_DIFF and agreement == 1.0, detail

    def check_features_parity(self) -> tuple[bool, dict[str, Any]]:
        """Pretrained base: `features` equals tfjs-node's embeddings (same preprocessing + base)."""
        h = self.heldout
        if h.count < PARITY_MIN_SAMPLES:
            return False, {"error": f"only {h.count} held-out samples; parity needs >= {PARITY_MIN_SAMPLES}"}
        ours = features_batched(self.fresh(), h.x)["embedding"]
        diff = float(np.max(np.abs(ours - h.embeddings)))
        # Embeddings are not bounded like probabilities (a real base's reach 100+), and float32 keeps
        # ~7 significant digits: the bound is 1e-4 of the largest magnitude, at least 1e-4 absolute.
        scale = max(1.0, float(np.max(np.abs(h.embeddings))))
        threshold = PARITY_MAX_ABS_DIFF * scale
        return diff <= threshold, {"samples": h.count, "maxAbsDiff": diff, "threshold": threshold,
                                   "relativeDiff": diff / scale, "maxAbsEmbedding": scale}

    def eval_features(self, interpreter: Any, x: np.ndarray) -> np.ndarray:
        """The head's input for images: the model's own `features` (pretrained) or the float64
        reference of the frozen tfjs layer base."""
        if self.plan.pretrained is not None:
            return features_batched(interpreter, x)["embedding"].astype(np.float64)
        return reference_base(x, self.plan.base)

    def check_training(self) -> tuple[bool, dict[str, Any]]:
        """N steps on held-out batches: held-out loss (from `infer`) falls, the head moves, and the
        logits still equal reference_base(x) -> head(saved weights), i.e. the base is unchanged."""
        interpreter = self.fresh()
        x_eval = self.heldout.x[:EVAL_SAMPLES]
        labels = self.heldout.labels[:EVAL_SAMPLES]
        features = self.eval_features(interpreter, x_eval)
        activations = [layer.activation for layer in self.plan.head]

        def base_gap() -> tuple[float, float]:
            logits = infer_batched(interpreter, x_eval)["logits"]
            expected = reference_head(features, self.head_weights(self.state(interpreter)), activations)
            scale = max(1.0, float(np.max(np.abs(expected))))
            return float(np.max(np.abs(logits - expected))), scale

        before_probs = infer_batched(interpreter, x_eval)["probabilities"]
        before_state = self.state(interpreter)
        gap_before, scale_before = base_gap()
        losses = self.train(interpreter, self.steps)
        after_probs = infer_batched(interpreter, x_eval)["probabilities"]
        after_state = self.state(interpreter)
        gap_after, scale_after = base_gap()
        loss_before, loss_after = _cross_entropy(before_probs, labels), _cross_entropy(after_probs, labels)
        weights_moved = not np.array_equal(before_state, after_state)
        step = float(after_state[-1])
        loss_ok = loss_after < loss_before
        base_ok = gap_before <= BASE_CHECK_RTOL * scale_before and gap_after <= BASE_CHECK_RTOL * scale_after
        extra: dict[str, Any] = {}
        if self.plan.pretrained is not None:  # the model's own features must not move either
            unchanged = bool(np.array_equal(features, self.eval_features(interpreter, x_eval)))
            base_ok = base_ok and unchanged
            extra = {"featuresBitIdenticalAfterTraining": unchanged, "trainInput": "tfjs-node embeddings of the held-out set"}
        detail = {
            "steps": self.steps, "batch": self.batch, "evalSamples": int(x_eval.shape[0]),
            "heldoutLossBefore": loss_before, "heldoutLossAfter": loss_after, "trainLosses": losses,
            "stepAfter": step, "headWeightsChanged": weights_moved,
            "baseCheck": ("interpreter logits vs float64 head(weights from save) on the model's own features, which must "
                          "be bit-identical before and after training" if self.plan.pretrained is not None else
                          "interpreter logits vs float64 reference(frozen tfjs base) -> head(weights from save)"),
            **extra,
            "baseMaxAbsGapBefore": gap_before, "baseMaxAbsGapAfter": gap_after, "baseTolerance": BASE_CHECK_RTOL * scale_after,
        }
        return {"lowers-loss": (loss_ok and weights_moved and step == self.steps, detail),
                "frozen-base-unchanged": (base_ok and weights_moved, detail)}  # type: ignore[return-value]

    def check_save_restore(self) -> tuple[bool, dict[str, Any]]:
        k = max(1, self.steps // 2)
        a = self.fresh()
        self.train(a, k)
        state = self.state(a)
        x = self.heldout.x[:64]
        out_a = infer_batched(a, x)
        b = self.fresh()
        step = run(b, "restore", state=state)["step"]
        out_b = infer_batched(b, x)
        same = all(np.array_equal(out_a[key], out_b[key]) for key in out_a)
        state_b = self.state(b)
        detail = {"stepsBeforeSave": k, "restoredStep": float(step[0]), "inferBitIdentical": same,
                  "stateRoundTripExact": bool(np.array_equal(state, state_b))}
        return same and detail["stateRoundTripExact"] and float(step[0]) == k, detail

    def check_resume(self) -> tuple[bool, dict[str, Any]]:
        k = max(1, self.steps // 2)
        a = self.fresh()
        first = self.train(a, k)
        saved = self.state(a)
        b = self.fresh()
        run(b, "restore", state=saved)
        second = self.train(b, k, start=k)
        resumed = self.state(b)
        c = self.fresh()
        straight = self.train(c, 2 * k)
        uninterrupted = self.state(c)
        loss_diff = float(np.max(np.abs(np.array(first + second) - np.array(straight))))
        state_diff = float(np.max(np.abs(resumed - uninterrupted)))
        detail = {"k": k, "maxLossDiff": loss_diff, "maxStateDiff": state_diff, "tolerance": RESUME_TOLERANCE,
                  "bitIdentical": bool(np.array_equal(resumed, uninterrupted))}
        return loss_diff <= RESUME_TOLERANCE and state_diff <= RESUME_TOLERANCE, detail


def flex_delegate_available() -> bool:
    """Whether this process can run Flex ops. LiteRT's interpreter (like tf.lite.Interpreter before
    it) looks up TF_AcquireFlexDelegate, but no library in the tensorflow-cpu 2.21 wheel defines it,
    so usually False."""
    import ctypes

    try:
        return hasattr(ctypes.CDLL(None), "TF_AcquireFlexDelegate")
    except OSError:
        return False


def check_flex_flavour(flex_model: bytes, verifier: Verifier, not_run: list[dict[str, Any]]) -> tuple[bool, dict[str, Any]]:
    """The guide-compatible flavour: its train/infer subgraphs are builtin-only, so they run in the
    plain interpreter and must match the default model exactly. Its save/restore need the Flex
    delegate; when this env lacks it, that part is listed under notRun instead of being faked."""
    x = verifier.heldout.x[:64]
    k = max(1, verifier.steps // 2)
    reference = infer_batched(verifier.fresh(), x)["probabilities"]
    a = plain_interpreter(flex_model)
    initial_diff = float(np.max(np.abs(infer_batched(a, x)["probabilities"] - reference)))
    loss_diff = float(np.max(np.abs(np.array(verifier.train(a, k)) - np.array(verifier.train(verifier.fresh(), k)))))
    detail: dict[str, Any] = {"initialInferMaxDiffVsBuiltin": initial_diff, "trainLossMaxDiffVsBuiltin": loss_diff}
    ok = initial_diff <= 1e-6 and loss_diff <= RESUME_TOLERANCE
    if not flex_delegate_available():
        not_run.append({"name": "flex-flavour-checkpoint-save-restore",
                        "reason": "the pinned TensorFlow wheel's interpreter has no Flex delegate (TF_AcquireFlexDelegate "
                                  "is not defined), so FlexSave/FlexRestore cannot run here"})
        return ok, detail
    a = flex_interpreter(flex_model)
    verifier.train(a, k)
    with tempfile.TemporaryDirectory(prefix="odt-flex-") as folder:
        path = np.array(str(Path(folder) / "checkpoint.ckpt"), dtype=object)
        run(a, "save", **{CHECKPOINT_PATH_INPUT: path})
        out_a = infer_batched(a, x)["probabilities"]
        b = flex_interpreter(flex_model)
        step = run(b, "restore", **{CHECKPOINT_PATH_INPUT: path})["step"]
        out_b = infer_batched(b, x)["probabilities"]
    detail.update({"restoredStep": float(np.asarray(step).reshape(-1)[0]), "restoreBitIdentical": bool(np.array_equal(out_a, out_b))})
    return ok and detail["restoreBitIdentical"] and detail["restoredStep"] == k, detail


def _guarded(name: str, fn: Callable[[], Any]) -> list[dict[str, Any]]:
    try:
        outcome = fn()
    except BridgeError:
        raise
    except Exception as error:  # a crash inside a check is a failed check, with its reason
        return [{"name": name, "passed": False, "detail": {"error": f"{type(error).__name__}: {error}",
                                                             "trace": traceback.format_exc(limit=3)}}]
    if isinstance(outcome, dict):
        return [{"name": key, "passed": bool(ok), "detail": detail} for key, (ok, detail) in outcome.items()]
    ok, detail = outcome
    return [{"name": name, "passed": bool(ok), "detail": detail}]


def run_verify(request: dict[str, Any]) -> dict[str, Any]:
    """{"convertDir","contractPath","heldoutDir","outDir","steps"?, "tfjsModelDir"?, "baseDir"?} -> report."""
    for key in ("convertDir", "contractPath", "heldoutDir", "outDir"):
        if not isinstance(request.get(key), str) or not request[key]:
            raise BridgeError("USAGE", f"the verify request needs a string '{key}'", {"key": key})
    steps = request.get("steps", DEFAULT_VERIFY_STEPS)
    if not isinstance(steps, int) or isinstance(steps, bool) or not 2 <= steps <= 10000:
        raise BridgeError("USAGE", "steps must be an integer between 2 and 10000", {"steps": steps})
    out_dir = Path(request["outDir"])
    clear_stale_output(out_dir, VERIFY_REPORT_JSON)
    convert_dir = Path(request["convertDir"])
    # The tfjs model is needed for the frozen-base reference; by default it sits beside the heldout folder.
    tfjs_dir = Path(request.get("tfjsModelDir") or Path(request["heldoutDir"]).parent / "tfjs")
    try:
        model = (convert_dir / MODEL_TFLITE).read_bytes()
    except OSError:
        raise BridgeError("ARTIFACTS_INVALID", f"{MODEL_TFLITE} is missing; run convert first", {"convertDir": str(convert_dir)}) from None
    contract = load_contract(Path(request["contractPath"]))
    base_dir = Path(request.get("baseDir") or tfjs_dir.parent / BASE_DIR)
    plan = load_plan(load_tfjs_model(tfjs_dir), contract, base_dir)
    heldout = load_heldout(Path(request["heldoutDir"]), contract["inputShape"], len(contract["labels"]), contract.get("embeddingSize"))
    verifier = Verifier(model, contract, heldout, plan, steps)

    checks: list[dict[str, Any]] = []
    checks += _guarded("signatures-match-contract", verifier.check_signatures)
    checks += _guarded("builtin-ops-only", verifier.check_builtin_only)
    checks += _guarded("fresh-state-holds-trained-weights", verifier.check_fresh_state)
    checks += _guarded("infer-parity-tfjs", verifier.check_parity)
    if plan.pretrained is not None:
        checks += _guarded("features-parity-tfjs", verifier.check_features_parity)
    checks += _guarded("training", verifier.check_training)
    checks += _guarded("save-restore-bit-identical", verifier.check_save_restore)
    checks += _guarded("resume-equals-uninterrupted", verifier.check_resume)
    not_run: list[dict[str, Any]] = []
    flex_path = convert_dir / MODEL_FLEX_TFLITE
    if flex_path.exists():
        checks += _guarded("flex-flavour-matches-default", lambda: check_flex_flavour(flex_path.read_bytes(), verifier, not_run))
    passed = all(check["passed"] for check in checks)
    report = {
        "schemaVersion": SCHEMA_VERSION,
        "passed": passed,
        "modelName": contract["modelName"],
        "model": {"file": MODEL_TFLITE, "bytes": len(model), "sha256": hashlib.sha256(model).hexdigest()},
        "runtime": {"interpreter": "ai_edge_litert.interpreter.Interpreter (no Flex delegate)", "litertVersion": _litert_version()},
        "steps": steps,
        "checks": checks,
        "notRun": not_run,
    }
    with staged_output(out_dir, VERIFY_REPORT_JSON) as staging:
        write_json_atomic(staging / VERIFY_REPORT_JSON, report)
    if not passed:
        failed = [check["name"] for check in checks if not check["passed"]]
        raise BridgeError("VERIFICATION_FAILED", f"verification failed: {', '.join(failed)}",
                          {"failed": failed, "report": VERIFY_REPORT_JSON})
    return {"ok": True, **report}


def _litert_version() -> str | None:
    from .convert import _litert_version as version

    return version()
