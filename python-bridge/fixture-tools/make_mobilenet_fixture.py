"""Regenerates python-bridge/fixtures/mobilenet_v2_035_96/ (see the README there).

MobileNetV2 alpha 0.35, 96x96x3, include_top=False, pooling="avg" (D = 1280), seeded random weights
built with the pinned Keras, BatchNorm moving statistics calibrated on seeded synthetic images (a
random-init BN has mean 0 / var 1, which leaves the deep activations badly scaled), saved as a
SavedModel whose serving_default maps `images` [-1,96,96,3] -> `embedding` [-1,1280], then converted
to a tfjs graph model with the pinned tensorflowjs converter (SavedModel -> graph model).

Run from the repository root:
  python-bridge/.venv/bin/pip install --no-deps --require-hashes \
      --target python-bridge/fixture-tools/.converter -r python-bridge/fixture-tools/requirements-converter.lock
  python-bridge/.venv/bin/python python-bridge/fixture-tools/make_mobilenet_fixture.py
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
import types
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("PYTHONHASHSEED", "0")

import numpy as np  # noqa: E402

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "fixtures" / "mobilenet_v2_035_96"
CONVERTER = HERE / ".converter"
SEED = 1234
SHAPE = (96, 96, 3)
CALIBRATION_IMAGES = 256
KERAS_FILE = "mobilenet_v2_035_96.keras"


def synthetic_images(count: int, seed: int) -> np.ndarray:
    """Seeded images in [0,1] with structure at several scales (smooth colour fields, bright
    strokes and blobs), so the calibration sees textures, edges and flat regions like real photos."""
    rng = np.random.default_rng(seed)
    h, w, c = SHAPE
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32) / h
    images = np.empty([count, h, w, c], np.float32)
    for i in range(count):
        coarse = rng.random([4, 4, c], dtype=np.float32)
        field = np.kron(coarse, np.ones([h // 4, w // 4, 1], np.float32))
        img = 0.5 * field + 0.2 * rng.random([h, w, c], dtype=np.float32)
        for _ in range(rng.integers(1, 5)):
            cy, cx, r = rng.random(3) * [1.0, 1.0, 0.3] + [0, 0, 0.05]
            mask = ((yy - cy) ** 2 + (xx - cx) ** 2) < r * r
            img[mask] = rng.random(c).astype(np.float32)
        angle = rng.random() * np.pi
        stripes = 0.5 + 0.5 * np.sin((xx * np.cos(angle) + yy * np.sin(angle)) * rng.integers(2, 20) * np.pi)
        img = 0.75 * img + 0.25 * stripes[..., None]
        images[i] = np.clip(img, 0.0, 1.0)
    return images


def build_model():
    """Seeded MobileNetV2 with BN moving statistics set to the statistics of the calibration
    images: one training-mode forward pass over all of them with momentum 0, so every BN layer's
    moving mean/variance becomes exactly its batch statistics (the input preprocessing is the
    MobileNetV2 one, x*2-1, the same arithmetic the pipeline bakes in: p*scale-mean, scale=2/255)."""
    import keras

    from tensorflow import config as tf_config

    tf_config.experimental.enable_op_determinism()
    keras.utils.set_random_seed(SEED)
    model = keras.applications.MobileNetV2(input_shape=SHAPE, alpha=0.35, include_top=False,
                                           pooling="avg", weights=None)
    bns = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in bns]
    for layer in bns:
        layer.momentum = 0.0
    x = synthetic_images(CALIBRATION_IMAGES, SEED) * 2.0 - 1.0
    model(x, training=True)
    for layer, momentum in zip(bns, momenta):
        layer.momentum = momentum
    return model


class Serving:
    """serving_default: images (already preprocessed to [-1,1]) -> {"embedding"}."""

    def __init__(self, model):
        import tensorflow as tf

        self.module = tf.Module()
        self.module.model = model

        @tf.function(input_signature=[tf.TensorSpec([None, *SHAPE], tf.float32, name="images")])
        def serve(images):
            return {"embedding": model(images, training=False)}

        self.module.serve = serve


def stub_unused_converter_dependencies() -> None:
    """tensorflowjs imports jax, tf_keras, tensorflow_decision_forests and tensorflow_hub at module
    level for its JAX / Keras-h5 / TF-DF / TF-Hub paths; the SavedModel -> graph-model path uses none
    of them, so empty stand-ins (which raise if touched) replace those multi-hundred-MB packages."""

    class Untouchable(types.ModuleType):
        def __getattr__(self, name):
            if name.startswith("__"):
                raise AttributeError(name)
            raise RuntimeError(f"the fixture converter touched {self.__name__}.{name}, which is stubbed out")

    for name in ("jax", "jax.experimental", "jax.experimental.jax2tf", "tf_keras",
                 "tensorflow_decision_forests", "tensorflow_hub"):
        sys.modules[name] = Untouchable(name)
    sys.modules["jax"].experimental = sys.modules["jax.experimental"]  # type: ignore[attr-defined]
    sys.modules["jax.experimental"].jax2tf = sys.modules["jax.experimental.jax2tf"]  # type: ignore[attr-defined]


def convert_to_graph_model(saved_dir: Path, out_dir: Path) -> None:
    """The tensorflowjs_converter CLI, in-process: --input_format=tf_saved_model
    --output_format=tfjs_graph_model --signature_name=serving_default."""
    if not (CONVERTER / "tensorflowjs").is_dir():
        sys.exit(f"install the converter first (see {Path(__file__).name}'s docstring): {CONVERTER} is missing")
    sys.path.insert(0, str(CONVERTER))
    stub_unused_converter_dependencies()
    from tensorflowjs.converters import converter

    converter.convert(["--input_format=tf_saved_model", "--output_format=tfjs_graph_model",
                       "--signature_name=serving_default", "--saved_model_tags=serve",
                       str(saved_dir), str(out_dir)])
    # The converter walks protobuf attr maps, whose order changes from process to process; the
    # same content with sorted keys makes model.json byte-identical across runs.
    model_json = out_dir / "model.json"
    model_json.write_text(json.dumps(json.loads(model_json.read_text()), sort_keys=True))


def check_features(model, x: np.ndarray) -> dict:
    """The embedding must be finite and informative: it varies across inputs, most features are
    not constant, and different inputs map to clearly different vectors."""
    e = np.asarray(model(x * 2.0 - 1.0, training=False), np.float64)
    per_feature_std = e.std(axis=0)
    norms = np.linalg.norm(e - e.mean(axis=0), axis=1)
    facts = {
        "samples": int(e.shape[0]), "finite": bool(np.all(np.isfinite(e))),
        "meanAbs": float(np.mean(np.abs(e))), "meanStdAcrossInputs": float(per_feature_std.mean()),
        "fractionOfFeaturesVarying": float(np.mean(per_feature_std > 1e-4)),
        "minDistanceFromMean": float(norms.min()),
    }
    assert facts["finite"] and facts["fractionOfFeaturesVarying"] > 0.5 and facts["minDistanceFromMean"] > 1e-2, facts
    return facts


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main() -> None:
    import tensorflow as tf

    model = build_model()
    facts = check_features(model, synthetic_images(64, SEED + 1))
    work = Path(tempfile.mkdtemp(prefix="odt-fixture-"))
    try:
        serving = Serving(model)
        tf.saved_model.save(serving.module, str(work / "saved_model"),
                            signatures={"serving_default": serving.module.serve.get_concrete_function()})
        if OUT.exists():
            shutil.rmtree(OUT / "tfjs", ignore_errors=True)
            (OUT / KERAS_FILE).unlink(missing_ok=True)
        OUT.mkdir(parents=True, exist_ok=True)
        convert_to_graph_model(work / "saved_model", OUT / "tfjs")
        model.save(OUT / KERAS_FILE)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    model_json = json.loads((OUT / "tfjs" / "model.json").read_text())
    signature = model_json.get("signature") or model_json.get("userDefinedMetadata", {}).get("signature", {})
    files = sorted(p for p in OUT.rglob("*") if p.is_file() and p.name not in ("README.md", "facts.json"))
    report = {
        "seed": SEED, "inputShape": list(SHAPE), "embeddingSize": int(model.output_shape[-1]),
        "signature": signature, "features": facts,
        "sha256": {str(p.relative_to(OUT)): sha256(p) for p in files},
    }
    (OUT / "facts.json").write_text(json.dumps(report, indent=2, sort_keys=True) + "\n")
    print(json.dumps(report, indent=2, sort_keys=True))


if __name__ == "__main__":
    main()
