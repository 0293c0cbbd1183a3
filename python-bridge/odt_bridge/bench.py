"""Benchmarks, JSON in and out.

* bench-interpreter: figures for the converted models (conversion wall time, model bytes vs raw
  float32 weight bytes, median train-step / infer / save / restore latency in the plain LiteRT
  interpreter, for each flavour that was built and for the quantised companion).
* bench-keras: the same architecture, batch size, epochs and samples as model:train, fitted in
  Keras 3 (TensorFlow backend) from this pinned env; reports samples/s with and without the first
  (tracing/warm-up) epoch, so the TypeScript side can print the tfjs-node / Keras ratio.
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from .constants import (
    CONVERT_RESULT_JSON,
    MODEL_FLEX_TFLITE,
    MODEL_INFERENCE_TFLITE,
    MODEL_TFLITE,
    SCHEMA_VERSION,
)
from .contract import load_contract
from .errors import BridgeError
from .files import read_json, write_json_atomic
from .runtime import plain_interpreter

DEFAULT_REPEATS = 30
WARMUP_RUNS = 3


def _timed(fn, repeats: int) -> dict[str, float]:
    for _ in range(WARMUP_RUNS):
        fn()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000.0)
    samples.sort()
    return {"medianMs": round(statistics.median(samples), 4), "minMs": round(samples[0], 4),
            "p90Ms": round(samples[int(0.9 * (len(samples) - 1))], 4), "runs": repeats}


def _bench_trainable(model: bytes, contract: dict[str, Any], infer_batch: int, repeats: int, state_io: bool) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    shape, classes, batch = contract["inputShape"], len(contract["labels"]), int(contract["trainBatchSize"])
    x_train = rng.random([batch, *shape], dtype=np.float32)
    y_train = np.eye(classes, dtype=np.float32)[rng.integers(0, classes, batch)]
    x_infer = rng.random([infer_batch, *shape], dtype=np.float32)
    interpreter = plain_interpreter(model)
    train = interpreter.get_signature_runner("train")
    infer = interpreter.get_signature_runner("infer")
    result = {
        "bytes": len(model),
        "trainStep": {"batch": batch, **_timed(lambda: train(x=x_train, y=y_train), repeats)},
        "infer": {"batch": infer_batch, **_timed(lambda: infer(x=x_infer), repeats)},
    }
    if state_io:
        save = interpreter.get_signature_runner("save")
        restore = interpreter.get_signature_runner("restore")
        state = np.array(save(request=np.zeros([1], np.float32))["state"], copy=True)
        result["save"] = _timed(lambda: save(request=np.zeros([1], np.float32)), repeats)
        result["restore"] = _timed(lambda: restore(state=state), repeats)
    return result


def run_bench_interpreter(request: dict[str, Any]) -> dict[str, Any]:
    """{"convertDir","contractPath","inferBatch"?=32,"repeats"?=30,"outPath"?} -> figures."""
    for key in ("convertDir", "contractPath"):
        if not isinstance(request.get(key), str):
            raise BridgeError("USAGE", f"bench-interpreter needs a string '{key}'")
    repeats = int(request.get("repeats", DEFAULT_REPEATS))
    infer_batch = int(request.get("inferBatch", 32))
    if not 1 <= repeats <= 10000 or not 1 <= infer_batch <= 4096:
        raise BridgeError("USAGE", "repeats must be 1..10000 and inferBatch 1..4096")
    folder = Path(request["convertDir"])
    contract = load_contract(Path(request["contractPath"]))
    convert_result = read_json(folder / CONVERT_RESULT_JSON, "ARTIFACTS_INVALID", "convert-result.json")
    models: dict[str, Any] = {}
    for name, state_io in ((MODEL_TFLITE, True), (MODEL_FLEX_TFLITE, False)):
        if (folder / name).exists():
            models[name] = _bench_trainable((folder / name).read_bytes(), contract, infer_batch, repeats, state_io)
    if MODEL_FLEX_TFLITE in models:
        models[MODEL_FLEX_TFLITE]["note"] = ("train/infer subgraphs are builtin-only and run in the plain interpreter; "
                                             "checkpoint save/restore need the Flex delegate, absent from the pinned env")
    if (folder / MODEL_INFERENCE_TFLITE).exists():
        data = (folder / MODEL_INFERENCE_TFLITE).read_bytes()
        x = np.random.default_rng(1).random([infer_batch, *contract["inputShape"]], dtype=np.float32)
        runner = plain_interpreter(data).get_signature_runner("infer")
        models[MODEL_INFERENCE_TFLITE] = {"bytes": len(data), "infer": {"batch": infer_batch, **_timed(lambda: runner(x=x), repeats)}}
    sizes = convert_result.get("sizes", {})
    raw = sizes.get("rawFloat32WeightBytes")
    result = {
        "ok": True,
        "schemaVersion": SCHEMA_VERSION,
        "interpreter": "ai_edge_litert (plain, no Flex delegate)",
        "conversionWallMs": convert_result.get("timings", {}),
        "rawFloat32WeightBytes": raw,
        "modelBytesOverRawWeights": {name: round(m["bytes"] / raw, 3) for name, m in models.items()} if raw else None,
        "models": models,
    }
    if isinstance(request.get("outPath"), str):
        write_json_atomic(Path(request["outPath"]), result)
    return result


# --- Keras training benchmark -------------------------------------------------------------
def _keras_layer(keras: Any, spec: dict[str, Any], name: str) -> Any:
    kind = spec.get("type")
    if kind == "conv2d":
        return keras.layers.Conv2D(spec["filters"], spec["kernelSize"], strides=spec.get("strides", 1),
                                   padding=spec.get("padding", "valid"), activation=spec.get("activation", "relu"), name=name)
    if kind == "maxPooling2d":
        return keras.layers.MaxPooling2D(spec["poolSize"], name=name)
    if kind == "flatten":
        return keras.layers.Flatten(name=name)
    if kind == "dense":
        return keras.layers.Dense(spec["units"], activation=spec.get("activation", "linear"), name=name)
    if kind == "dropout":
        return keras.layers.Dropout(spec["rate"], name=name)
    raise BridgeError("UNSUPPORTED_LAYER", f"unknown layer type {kind!r}; supported base layers: conv2d, maxPooling2d, flatten, dense, dropout")


def build_keras_model(config: dict[str, Any], jit_compile: Any = "auto") -> Any:
    """The model config's architecture in Keras 3, named like the tfjs model (base_<i>_<type>)."""
    import keras

    try:
        layers = [keras.Input(tuple(config["inputShape"]))]
        for index, spec in enumerate(config["architecture"]["base"]):
            layers.append(_keras_layer(keras, spec, f"base_{index}_{str(spec.get('type')).lower()}"))
        for index, spec in enumerate(config["architecture"]["head"]):
            layers.append(_keras_layer(keras, {**spec, "type": "dense"}, f"head_{index}_dense"))
        model = keras.Sequential(layers, name=config.get("name", "model").replace("-", "_"))
        model.compile(optimizer=keras.optimizers.Adam(config["optimizer"]["learningRate"]),
                      loss="categorical_crossentropy", metrics=["accuracy"], jit_compile=jit_compile)
    except (KeyError, TypeError) as error:
        raise BridgeError("CONFIG_INVALID", f"the model config lacks a field the benchmark needs: {error}") from None
    return model


def _load_labels(path: Path) -> np.ndarray:
    data = read_json(path, "ARTIFACTS_INVALID", "labels file")
    labels = data.get("labels") if isinstance(data, dict) else data
    if not isinstance(labels, list) or not all(isinstance(v, int) for v in labels):
        raise BridgeError("ARTIFACTS_INVALID", "the labels file must hold a list of integers (or {\"labels\": [...]})")
    return np.asarray(labels, dtype=np.int64)


def run_bench_keras(request: dict[str, Any]) -> dict[str, Any]:
    """{"modelConfigPath","xPath","labelsPath","epochs"?,"batchSize"?,"seed"?,"outPath"?} -> samples/s."""
    import keras

    from .tf_setup import tf

    for key in ("modelConfigPath", "xPath", "labelsPath"):
        if not isinstance(request.get(key), str):
            raise BridgeError("USAGE", f"bench-keras needs a string '{key}'")
    config = read_json(Path(request["modelConfigPath"]), "CONFIG_INVALID", "model config")
    labels = _load_labels(Path(request["labelsPath"]))
    try:
        shape = [int(d) for d in config["inputShape"]]
        classes = len(config["labels"])
        epochs = int(request.get("epochs", config["epochs"]))
        batch = int(request.get("batchSize", config["batchSize"]))
    except (KeyError, TypeError, ValueError) as error:
        raise BridgeError("CONFIG_INVALID", f"the model config lacks {error}") from None
    raw = Path(request["xPath"]).read_bytes() if Path(request["xPath"]).exists() else None
    per_sample = int(np.prod(shape)) * 4
    if raw is None or len(raw) != labels.shape[0] * per_sample:
        raise BridgeError("ARTIFACTS_INVALID", f"x file must hold {labels.shape[0]} samples of {per_sample} bytes (float32 LE)",
                          {"bytes": None if raw is None else len(raw)})
    if labels.size and (labels.min() < 0 or labels.max() >= classes):
        raise BridgeError("ARTIFACTS_INVALID", f"labels must lie in [0, {classes})")
    x = np.frombuffer(raw, dtype="<f4").reshape([labels.shape[0], *shape]).astype(np.float32)
    y = np.eye(classes, dtype=np.float32)[labels]
    keras.utils.set_random_seed(int(request.get("seed", config.get("seed", 0))))
    # "auto" is Keras' default (XLA where it can); False keeps a plain tf.function graph.
    jit = request.get("jitCompile", "auto")
    if jit not in ("auto", True, False):
        raise BridgeError("USAGE", "jitCompile must be \"auto\", true or false")
    model = build_keras_model(config, jit)
    epoch_ms: list[float] = []

    class Timer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_ms.append((time.perf_counter() - self.start) * 1000.0)

    history = model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=True, verbose=0, callbacks=[Timer()])
    count = int(x.shape[0])
    total_s = sum(epoch_ms) / 1000.0
    steady = epoch_ms[1:]
    result = {
        "ok": True,
        "schemaVersion": SCHEMA_VERSION,
        "framework": f"keras {keras.__version__} (tensorflow {tf.__version__} backend, jit_compile={jit})",
        "samples": count, "epochs": epochs, "batchSize": batch,
        "epochMs": [round(v, 1) for v in epoch_ms],
        "samplesPerSecond": round(count * epochs / total_s, 1) if total_s else None,
        "samplesPerSecondExcludingFirstEpoch": round(count * len(steady) / (sum(steady) / 1000.0), 1) if steady else None,
        "finalLoss": float(history.history["loss"][-1]),
        "finalAccuracy": float(history.history["accuracy"][-1]),
        "threads": {"intraOp": tf.config.threading.get_intra_op_parallelism_threads(),
                    "interOp": tf.config.threading.get_inter_op_parallelism_threads()},
    }
    if isinstance(request.get("outPath"), str):
        write_json_atomic(Path(request["outPath"]), result)
    return result
