"""Shared pytest fixtures: a tiny model written in the exact tfjs layers format (what tfjs-node
4.22 `model.save('file://...')` writes), its signature contract built like
build-signature-contract.ts, and held-out samples whose reference probabilities come from an
independent Keras model holding the same weights. Conversions are shared per session."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from odt_bridge.contract import build_signature_contract

INPUT_SHAPE = [8, 8, 1]
LABELS = ["a", "b", "c"]
TRAIN_BATCH = 4
HELDOUT_COUNT = 256


def _dense_config(name: str, units: int, activation: str) -> dict[str, Any]:
    return {
        "units": units, "activation": activation, "use_bias": True,
        "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
        "kernel_constraint": None, "bias_constraint": None, "name": name, "trainable": True,
    }


def fixture_topology() -> list[dict[str, Any]]:
    """Layer list as tfjs-layers 4.22 serialises it (snake_case keys, base frozen)."""
    return [
        {"class_name": "Conv2D", "config": {
            "filters": 2, "kernel_initializer": {"class_name": "VarianceScaling", "config": {"scale": 1, "mode": "fan_avg", "distribution": "normal", "seed": None}},
            "kernel_regularizer": None, "kernel_constraint": None, "kernel_size": [3, 3], "strides": [1, 1], "padding": "valid",
            "data_format": "channels_last", "dilation_rate": [1, 1], "activation": "relu", "use_bias": True,
            "bias_initializer": {"class_name": "Zeros", "config": {}}, "bias_regularizer": None, "activity_regularizer": None,
            "bias_constraint": None, "name": "base_0_conv2d", "trainable": False, "batch_input_shape": [None, *INPUT_SHAPE], "dtype": "float32"}},
        {"class_name": "MaxPooling2D", "config": {"pool_size": [2, 2], "padding": "valid", "strides": [2, 2], "data_format": "channels_last", "name": "base_1_maxpooling2d", "trainable": False}},
        {"class_name": "Flatten", "config": {"name": "base_2_flatten", "trainable": False}},
        {"class_name": "Dropout", "config": {"rate": 0.25, "noise_shape": None, "seed": None, "name": "base_3_dropout", "trainable": False}},
        {"class_name": "Dense", "config": _dense_config("head_0_dense", 6, "relu")},
        {"class_name": "Dense", "config": _dense_config("head_1_dense", 3, "softmax")},
    ]


def fixture_weights(seed: int = 7) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {
        "head_0_dense/kernel": (18, 6), "head_0_dense/bias": (6,),
        "head_1_dense/kernel": (6, 3), "head_1_dense/bias": (3,),
        "base_0_conv2d/kernel": (3, 3, 1, 2), "base_0_conv2d/bias": (2,),
    }
    return {name: (rng.standard_normal(shape) * 0.5).astype(np.float32) for name, shape in shapes.items()}


def write_tfjs_model(folder: Path, layers: list[dict[str, Any]], weights: dict[str, np.ndarray]) -> None:
    """model.json + weights.bin exactly as tfjs-node's file:// handler lays them out
    (trainable weights first, then the frozen base's, as LayersModel.getNamedWeights lists them)."""
    folder.mkdir(parents=True, exist_ok=True)
    specs = [{"name": name, "shape": list(value.shape), "dtype": "float32"} for name, value in weights.items()]
    (folder / "weights.bin").write_bytes(b"".join(v.astype("<f4").tobytes() for v in weights.values()))
    model_json = {
        "modelTopology": {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": layers},
                          "keras_version": "tfjs-layers 4.22.0", "backend": "tensor_flow.js"},
        "weightsManifest": [{"paths": ["weights.bin"], "weights": specs}],
        "format": "layers-model", "generatedBy": "TensorFlow.js tfjs-layers v4.22.0", "convertedBy": None,
    }
    (folder / "model.json").write_text(json.dumps(model_json))


def fixture_contract(optimizer: dict[str, Any] | None = None) -> dict[str, Any]:
    head = [
        {"name": "head_0_dense", "inputUnits": 18, "units": 6, "activation": "relu"},
        {"name": "head_1_dense", "inputUnits": 6, "units": 3, "activation": "softmax"},
    ]
    return build_signature_contract("fixture", INPUT_SHAPE, LABELS, TRAIN_BATCH, "base_3_dropout", head,
                                    optimizer or {"type": "adam", "learningRate": 0.01})


def keras_probabilities(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The reference forward pass, from Keras (independent of the bridge's own module)."""
    import keras

    model = keras.Sequential([
        keras.Input(INPUT_SHAPE),
        keras.layers.Conv2D(2, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.25),
        keras.layers.Dense(6, activation="relu"),
        keras.layers.Dense(3, activation="softmax"),
    ])
    model.set_weights([weights[n] for n in ("base_0_conv2d/kernel", "base_0_conv2d/bias", "head_0_dense/kernel",
                                            "head_0_dense/bias", "head_1_dense/kernel", "head_1_dense/bias")])
    return np.asarray(model.predict(x, verbose=0), dtype=np.float32)


def write_heldout(folder: Path, weights: dict[str, np.ndarray], count: int = HELDOUT_COUNT, seed: int = 11) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    x = rng.random([count, *INPUT_SHAPE], dtype=np.float32)
    labels = rng.integers(0, len(LABELS), count)
    (folder / "x.f32").write_bytes(x.astype("<f4").tobytes())
    (folder / "tfjs-probabilities.f32").write_bytes(keras_probabilities(weights, x).astype("<f4").tobytes())
    (folder / "heldout.json").write_text(json.dumps({
        "count": count, "inputShape": INPUT_SHAPE, "classes": len(LABELS), "labels": [int(v) for v in labels],
        "files": {"x": "x.f32", "probabilities": "tfjs-probabilities.f32"},
    }))


def make_train_dir(root: Path, optimizer: dict[str, Any] | None = None) -> dict[str, Path]:
    """A complete out/model/train-like folder: tfjs/, contract.json, heldout/."""
    weights = fixture_weights()
    write_tfjs_model(root / "tfjs", fixture_topology(), weights)
    (root / "contract.json").write_text(json.dumps(fixture_contract(optimizer), indent=2))
    write_heldout(root / "heldout", weights)
    return {"tfjsModelDir": root / "tfjs", "contractPath": root / "contract.json", "heldoutDir": root / "heldout"}


def convert_request(paths: dict[str, Path], out_dir: Path, **extra: Any) -> dict[str, Any]:
    return {**{k: str(v) for k, v in paths.items()}, "outDir": str(out_dir), **extra}


@pytest.fixture(scope="session")
def train_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return make_train_dir(tmp_path_factory.mktemp("train"))


@pytest.fixture(scope="session")
def converted(train_dir: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One real conversion (builtin + flex + dynamic-range companion) shared by the session."""
    from odt_bridge.convert import run_convert

    out = tmp_path_factory.mktemp("convert") / "out"
    result = run_convert(convert_request(train_dir, out, flavours=["builtin", "flex"], quantize="dynamic-range"))
    return {"outDir": out, "result": result, **train_dir}
