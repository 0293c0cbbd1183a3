"""The pretrained-base rebuild against the committed MobileNetV2 fixture: the graph model rebuilt
from model.json equals the Keras model it was converted from, a graph JSON of any name is found,
and each bad input is refused with its code, naming what to fix."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from odt_bridge.errors import BridgeError
from odt_bridge.pretrained_base import base_sha256, load_pretrained_base

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "mobilenet_v2_035_96"
GRAPH = FIXTURE / "tfjs"
MOBILENET = {"scale": 2 / 255, "mean": [1.0, 1.0, 1.0], "std": [1.0, 1.0, 1.0], "channelOrder": "rgb"}
SHAPE = [96, 96, 3]


def _images(count: int) -> np.ndarray:
    return np.random.default_rng(7).random([count, *SHAPE], dtype=np.float32)


def test_graph_model_rebuild_equals_the_keras_model_it_was_converted_from():
    import keras

    base = load_pretrained_base("tfjs-graph-model", GRAPH, "Identity", MOBILENET, SHAPE)
    assert base.embedding_size == 1280
    x = _images(8)
    rebuilt = base.embed_numpy(x)
    reference = keras.models.load_model(FIXTURE / "mobilenet_v2_035_96.keras", compile=False)
    expected = np.asarray(reference(x * 2.0 - 1.0, training=False))
    assert np.max(np.abs(rebuilt - expected)) < 1e-4
    keras_base = load_pretrained_base("keras", FIXTURE / "mobilenet_v2_035_96.keras", None, MOBILENET, SHAPE)
    assert np.max(np.abs(keras_base.embed_numpy(x) - expected)) < 1e-4


def test_a_graph_model_json_of_another_name_is_found_and_hashed_under_its_name(tmp_path: Path):
    renamed = tmp_path / "base"
    shutil.copytree(GRAPH, renamed)
    (renamed / "model.json").rename(renamed / "mobilenet.json")
    base = load_pretrained_base("tfjs-graph-model", renamed, "Identity", MOBILENET, SHAPE)
    assert base.embedding_size == 1280
    assert base_sha256("tfjs-graph-model", renamed) != base_sha256("tfjs-graph-model", GRAPH)  # the name is part of the identity


def _edited(tmp_path: Path, edit) -> Path:
    folder = tmp_path / "edited"
    shutil.copytree(GRAPH, folder)
    model = json.loads((folder / "model.json").read_text())
    edit(model)
    (folder / "model.json").write_text(json.dumps(model))
    return folder


def test_an_op_tflite_builtins_cannot_express_is_named_with_its_node(tmp_path: Path):
    def cumprod(model):
        node = next(n for n in model["modelTopology"]["node"] if n["op"] == "Relu6")
        node["op"] = "Cumprod"
        cumprod.node = node["name"]

    folder = _edited(tmp_path, cumprod)
    with pytest.raises(BridgeError) as raised:
        load_pretrained_base("tfjs-graph-model", folder, "Identity", MOBILENET, SHAPE)
    assert raised.value.code_name == "UNSUPPORTED_OP"
    assert "Cumprod" in raised.value.message and cumprod.node in raised.value.message


def test_a_feature_output_that_does_not_exist_lists_the_candidates():
    with pytest.raises(BridgeError) as raised:
        load_pretrained_base("tfjs-graph-model", GRAPH, "embeddings", MOBILENET, SHAPE)
    assert raised.value.code_name == "BASE_INVALID"
    assert "embeddings" in raised.value.message and "Identity" in json.dumps(raised.value.context)


def test_a_preprocessing_spec_that_does_not_match_the_input_is_refused():
    with pytest.raises(BridgeError) as raised:
        load_pretrained_base("tfjs-graph-model", GRAPH, "Identity", {**MOBILENET, "mean": [0.5]}, SHAPE)
    assert raised.value.code_name == "BASE_INVALID"
    assert "mean has 1 values but the input has 3 channels" in raised.value.message


def test_an_input_size_the_base_does_not_take_is_refused():
    with pytest.raises(BridgeError) as raised:
        load_pretrained_base("tfjs-graph-model", GRAPH, "Identity", MOBILENET, [128, 128, 3])
    assert "inputShape is [128, 128, 3]" in raised.value.message
