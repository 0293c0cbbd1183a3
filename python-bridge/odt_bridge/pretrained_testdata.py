"""Test data for the pretrained-base path, built from the committed MobileNetV2 fixture: a train
output folder (base/ copy, head-only tfjs Sequential, contract, heldout/) like model:train writes.

The held-out "tfjs-node" embeddings come from an independent reference: TensorFlow executing the
graph model's own GraphDef (fused ops and all, as tfjs-node's TF backend does), not the bridge's
un-fused rebuild. The end-to-end check against real tfjs-node is the pipeline's job."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from .conftest import _dense_config, write_tfjs_model
from .contract import build_signature_contract
from .pretrained_base import base_sha256, preprocess_numpy

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mobilenet_v2_035_96"
GRAPH_DIR = FIXTURE / "tfjs"
KERAS_FILE = FIXTURE / "mobilenet_v2_035_96.keras"
INPUT_SHAPE = [96, 96, 3]
D = 1280
LABELS = ["a", "b", "c"]
HIDDEN = 16
BATCH = 8
PREPROCESSING = {"scale": 0.00784313725490196, "mean": [1.0, 1.0, 1.0], "std": [1.0, 1.0, 1.0], "channelOrder": "rgb"}


def graph_reference(model_dir: Path = GRAPH_DIR, output: str = "Identity", input_name: str = "images"):
    """A callable images -> output that runs the graph model's GraphDef as TensorFlow imports it."""
    from google.protobuf.json_format import ParseDict
    from tensorflow.core.framework import graph_pb2

    from .graph_model_loader import load_graph_model
    from .tf_setup import tf

    model = load_graph_model(model_dir)
    graph_def = ParseDict(json.loads((model_dir / "model.json").read_text())["modelTopology"], graph_pb2.GraphDef())
    for node in graph_def.node:
        if node.op == "Const":
            node.attr["value"].tensor.CopyFrom(tf.make_tensor_proto(model.weights[node.name]))
        node.ClearField("device")
    wrapped = tf.compat.v1.wrap_function(lambda: tf.compat.v1.import_graph_def(graph_def, name=""), [])
    pruned = wrapped.prune(wrapped.graph.get_tensor_by_name(f"{input_name}:0"), wrapped.graph.get_tensor_by_name(f"{output}:0"))
    return lambda x: np.concatenate([pruned(tf.constant(x[i:i + 64])).numpy() for i in range(0, len(x), 64)], axis=0)


def images(count: int, seed: int) -> np.ndarray:
    """Seeded images in [0,1] with some structure (a colour field plus noise)."""
    rng = np.random.default_rng(seed)
    coarse = rng.random([count, 4, 4, 3], dtype=np.float32)
    field = np.repeat(np.repeat(coarse, 24, axis=1), 24, axis=2)
    return np.clip(0.7 * field + 0.3 * rng.random([count, *INPUT_SHAPE], dtype=np.float32), 0, 1).astype(np.float32)


def head_weights(seed: int = 5) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    shapes = {"head_0_dense/kernel": (D, HIDDEN), "head_0_dense/bias": (HIDDEN,),
              "head_1_dense/kernel": (HIDDEN, len(LABELS)), "head_1_dense/bias": (len(LABELS),)}
    return {name: (rng.standard_normal(shape) * (0.05 if name.endswith("kernel") else 0.1)).astype(np.float32) for name, shape in shapes.items()}


def head_probabilities(embeddings: np.ndarray, weights: dict[str, np.ndarray]) -> np.ndarray:
    h = np.maximum(embeddings.astype(np.float64) @ weights["head_0_dense/kernel"] + weights["head_0_dense/bias"], 0)
    z = h @ weights["head_1_dense/kernel"] + weights["head_1_dense/bias"]
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32)


def pretrained_contract(sha: str, base: dict[str, Any] | None = None, optimizer: dict[str, Any] | None = None) -> dict[str, Any]:
    head = [{"name": "head_0_dense", "inputUnits": D, "units": HIDDEN, "activation": "relu"},
            {"name": "head_1_dense", "inputUnits": HIDDEN, "units": len(LABELS), "activation": "softmax"}]
    spec = base or {"pretrained": "tfjs-graph-model", "featureOutput": "Identity", "preprocessing": PREPROCESSING, "sha256": sha}
    return build_signature_contract("mobilenet-fixture", INPUT_SHAPE, LABELS, BATCH, spec["featureOutput"], head,
                                    optimizer or {"type": "adam", "learningRate": 0.001}, {"embeddingSize": D, "base": spec})


def make_pretrained_train_dir(root: Path, count: int = 256, seed: int = 21) -> dict[str, Path]:
    """out/model/train-like folder for a pretrained graph-model base."""
    shutil.copytree(GRAPH_DIR, root / "base")
    topology = [{"class_name": "InputLayer", "config": {"batch_input_shape": [None, D], "dtype": "float32", "sparse": False, "name": "input1"}},
                {"class_name": "Dense", "config": _dense_config("head_0_dense", HIDDEN, "relu")},
                {"class_name": "Dense", "config": _dense_config("head_1_dense", len(LABELS), "softmax")}]
    weights = head_weights()
    write_tfjs_model(root / "tfjs", topology, weights)
    (root / "contract.json").write_text(json.dumps(pretrained_contract(base_sha256("tfjs-graph-model", root / "base")), indent=2))
    x = images(count, seed)
    embeddings = graph_reference()(preprocess_numpy(x, PREPROCESSING)).astype(np.float32)
    labels = np.argmax(embeddings[:, :len(LABELS)], axis=1)  # a learnable labelling of the embeddings
    held = root / "heldout"
    held.mkdir()
    (held / "x.f32").write_bytes(x.astype("<f4").tobytes())
    (held / "tfjs-embeddings.f32").write_bytes(embeddings.astype("<f4").tobytes())
    (held / "tfjs-probabilities.f32").write_bytes(head_probabilities(embeddings, weights).astype("<f4").tobytes())
    (held / "heldout.json").write_text(json.dumps({
        "count": count, "inputShape": INPUT_SHAPE, "classes": len(LABELS), "labels": [int(v) for v in labels],
        "embeddingSize": D, "files": {"x": "x.f32", "probabilities": "tfjs-probabilities.f32", "embeddings": "tfjs-embeddings.f32"},
    }))
    return {"tfjsModelDir": root / "tfjs", "contractPath": root / "contract.json", "heldoutDir": root / "heldout"}
