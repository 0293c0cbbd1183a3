"""The saved-model base format, quantised graph weights and the bgr channel order, against the
committed MobileNetV2 fixture (SavedModel written here from its Keras file)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from odt_bridge.errors import BridgeError
from odt_bridge.pretrained_base import load_pretrained_base, preprocess_numpy
from odt_bridge.pretrained_testdata import GRAPH_DIR, INPUT_SHAPE, KERAS_FILE, PREPROCESSING, graph_reference, images
from odt_bridge.tf_setup import tf


@pytest.fixture(scope="module")
def saved_model(tmp_path_factory):
    import keras

    model = keras.models.load_model(KERAS_FILE, compile=False)
    module = tf.Module()
    module.model = model
    module.serve = tf.function(lambda images: {"embedding": model(images, training=False), "half": model(images, training=False) * 0.5},
                               input_signature=[tf.TensorSpec([None, *INPUT_SHAPE], tf.float32, name="images")])
    folder = tmp_path_factory.mktemp("saved") / "sm"
    tf.saved_model.save(module, str(folder), signatures={"serving_default": module.serve.get_concrete_function()})
    return folder


def test_saved_model_base_equals_the_graph_model_and_names_its_output_keys(saved_model):
    x = images(4, 9)
    base = load_pretrained_base("saved-model", saved_model, "embedding", PREPROCESSING, INPUT_SHAPE)
    assert base.embedding_size == 1280
    expected = graph_reference()(preprocess_numpy(x, PREPROCESSING))
    assert np.max(np.abs(base.embed_numpy(x) - expected)) <= 1e-5 * max(1.0, float(np.max(np.abs(expected))))
    with pytest.raises(BridgeError) as caught:
        load_pretrained_base("saved-model", saved_model, "logits", PREPROCESSING, INPUT_SHAPE)
    assert caught.value.code_name == "BASE_INVALID" and caught.value.exit_status == 37
    assert "logits" in caught.value.message  # names the wrong key and lists the real ones
    assert "embedding" in caught.value.message and "half" in caught.value.message


def test_bgr_reorders_channels_before_normalising():
    x = images(2, 4)
    bgr = {**PREPROCESSING, "channelOrder": "bgr", "mean": [1.0, 0.5, 0.0]}
    base = load_pretrained_base("tfjs-graph-model", GRAPH_DIR, "Identity", bgr, INPUT_SHAPE)
    p = x * np.float32(255.0)
    manual = (p[..., ::-1] * np.float32(PREPROCESSING["scale"]) - np.float32([1.0, 0.5, 0.0])) / np.float32(1.0)
    expected = graph_reference()(manual.astype(np.float32))
    assert np.max(np.abs(base.embed_numpy(x) - expected)) <= 1e-5 * max(1.0, float(np.max(np.abs(expected))))


def test_quantised_graph_weights_are_refused_clearly(tmp_path):
    shutil.copytree(GRAPH_DIR, tmp_path / "base")
    path = tmp_path / "base" / "model.json"
    graph = json.loads(path.read_text())
    graph["weightsManifest"][0]["weights"][0]["quantization"] = {"dtype": "uint8", "scale": 0.1, "min": -1.0}
    path.write_text(json.dumps(graph))
    with pytest.raises(BridgeError) as caught:
        load_pretrained_base("tfjs-graph-model", tmp_path / "base", "Identity", PREPROCESSING, INPUT_SHAPE)
    assert caught.value.code_name == "BASE_INVALID" and caught.value.exit_status == 37
    assert "quantised" in caught.value.message
