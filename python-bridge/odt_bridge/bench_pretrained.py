"""`bench-pretrained`: the bridge's half of `npx nx run bench:pretrained`.

* Server: Keras `fit` of the frozen-base model (the pretrained base, rebuilt from the same graph
  convert uses, as a non-trainable Keras layer with the preprocessing in front, then the dense head)
  on the images the TypeScript side wrote, with the same initial head weights, the same batch order
  per epoch, the same optimizer, batch size and epochs as the head tfjs-node trained on cached
  features. Reports wall seconds and test accuracy.
* Device: in LiteRT, the converted model's `train` on cached embeddings against a `train` that takes
  images at the base's input size (base forward + head step, built here only for the comparison),
  median ms per step; the model sizes; the time to embed 100 samples with `features`.
"""

from __future__ import annotations

import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from .constants import FLAVOUR_BUILTIN
from .contract import load_contract
from .convert import convert_saved_model, export_saved_model, load_plan
from .errors import BridgeError
from .runtime import plain_interpreter, run
from .tf_setup import tf
from .tfjs_loader import load_tfjs_model
from .trainable_module import TrainableModule


class ImageTrainModule(TrainableModule):
    """The same trainable model, but `train` takes images and runs the frozen base every step:
    what a phone would do without cached embeddings. Only the device benchmark builds it."""

    def __init__(self, plan: Any) -> None:
        super().__init__(plan, FLAVOUR_BUILTIN)
        shape = list(plan.contract["inputShape"])
        classes = len(plan.contract["labels"])
        self.train = tf.function(self._train_images, input_signature=[
            tf.TensorSpec([self._batch, *shape], tf.float32, name="x"),
            tf.TensorSpec([self._batch, classes], tf.float32, name="y"),
        ])

    def _train_images(self, x: tf.Tensor, y: tf.Tensor) -> dict[str, tf.Tensor]:
        return self._train(self._plan.pretrained.embed(x), y)


def _array(path: Path, dtype: str, shape: list[int]) -> np.ndarray:
    data = np.fromfile(path, dtype=dtype)
    expected = int(np.prod(shape))
    if data.size != expected:
        raise BridgeError("USAGE", f"{path.name} holds {data.size} values, expected {expected} ({shape})", {"path": str(path)})
    return data.reshape(shape)


def _median_ms(fn: Any, repeats: int) -> float:
    fn()  # warm-up: allocations, XNNPACK packing
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000.0)
    return float(statistics.median(times))


def keras_frozen_base_fit(plan: Any, data: dict[str, np.ndarray], request: dict[str, Any]) -> dict[str, Any]:
    """Keras fit of base (trainable=False) + head on images; same init, batch order and epochs."""
    import keras

    class FrozenBase(keras.layers.Layer):
        """The pretrained base as the bridge rebuilds it (preprocessing + graph constants)."""

        def call(self, x):
            return plan.pretrained.embed(x)

        def compute_output_shape(self, input_shape):
            return (input_shape[0], plan.pretrained.embedding_size)

    keras.utils.set_random_seed(0)
    head_specs = request["head"]
    layers = [keras.Input(shape=tuple(request["inputShape"])), FrozenBase(trainable=False, name="frozen_base")]
    layers += [keras.layers.Dense(spec["units"], activation=spec.get("activation", "linear")) for spec in head_specs]
    model = keras.Sequential(layers)
    initial = [np.asarray(w, np.float32) for w in json.loads((Path(request["dataDir"]) / "initial-head.json").read_text())]
    model.set_weights([w.reshape(v.shape) for w, v in zip(initial, model.get_weights())])
    assert not model.get_layer("frozen_base").trainable_weights
    model.compile(optimizer=keras.optimizers.Adam(float(request["learningRate"])), loss="categorical_crossentropy", metrics=["accuracy"])
    classes = int(request["classes"])
    one_hot = lambda labels: np.eye(classes, dtype=np.float32)[labels]  # noqa: E731
    x, y = data["train-x"], one_hot(data["train-y"])
    validation = (data["validation-x"], one_hot(data["validation-y"]))
    orders = data["orders"]
    batch = int(request["batchSize"])
    epoch_seconds = []
    started = time.perf_counter()
    for epoch in range(int(request["epochs"])):
        t = time.perf_counter()
        order = orders[epoch]
        model.fit(x[order], y[order], batch_size=batch, epochs=1, shuffle=False, verbose=0, validation_data=validation)
        epoch_seconds.append(time.perf_counter() - t)
    seconds = time.perf_counter() - started
    predicted = np.argmax(model.predict(data["test-x"], batch_size=256, verbose=0), axis=1)
    return {
        "seconds": seconds,
        "epochSeconds": epoch_seconds,
        "testAccuracy": float(np.mean(predicted == data["test-y"])),
        "framework": f"Keras {keras.__version__} fit, frozen base (trainable=False)",
    }


def device_step_costs(plan: Any, model_dir: Path, data: dict[str, np.ndarray], steps: int) -> dict[str, Any]:
    """LiteRT ms per `train` step: cached embeddings vs images through the frozen base."""
    contract = plan.contract
    batch = int(contract["trainBatchSize"])
    classes = len(contract["labels"])
    shipped = (model_dir / "convert" / "model.tflite").read_bytes()
    interpreter = plain_interpreter(shipped)
    images = np.ascontiguousarray(data["train-x"][:batch], dtype=np.float32)
    y = np.eye(classes, dtype=np.float32)[data["train-y"][:batch]]
    embeddings = run(interpreter, "features", x=images)["embedding"]
    embedding_ms = _median_ms(lambda: run(interpreter, "train", x=embeddings, y=y), steps)
    hundred = np.ascontiguousarray(data["train-x"][:100], dtype=np.float32)
    embed100_ms = _median_ms(lambda: run(interpreter, "features", x=hundred), max(3, steps // 10))
    work = Path(tempfile.mkdtemp(prefix="odt-bench-pretrained-"))
    try:
        module = ImageTrainModule(plan)
        export_saved_model(module, {"train": module.train.get_concrete_function()}, work / "saved")
        image_model = convert_saved_model(work / "saved", ["train"], FLAVOUR_BUILTIN)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    image_interpreter = plain_interpreter(image_model)
    image_ms = _median_ms(lambda: run(image_interpreter, "train", x=images, y=y), steps)
    return {
        "batch": batch,
        "embeddingStepMs": embedding_ms,
        "imageStepMs": image_ms,
        "stepSpeedup": image_ms / embedding_ms,
        "modelBytes": len(shipped),
        "imageTrainModelBytes": len(image_model),
        "embed100Ms": embed100_ms,
    }


def run_bench_pretrained(request: dict[str, Any]) -> dict[str, Any]:
    """Both halves for one pretrained pipeline output (`modelDir`: train/ and convert/)."""
    model_dir = Path(request["modelDir"])
    data_dir = Path(request["dataDir"])
    contract = load_contract(model_dir / "train" / "contract.json")
    if contract.get("trainInput") != "embedding":
        raise BridgeError("USAGE", f"{model_dir} is not a pretrained-base pipeline output (contract trainInput is not 'embedding')")
    plan = load_plan(load_tfjs_model(model_dir / "train" / "tfjs"), contract, model_dir / "train" / "base")
    shape = [int(d) for d in request["inputShape"]]
    data: dict[str, np.ndarray] = {}
    for part in ("train", "validation", "test"):
        labels = np.fromfile(data_dir / f"{part}-y.i32", dtype="<i4")
        data[f"{part}-y"] = labels
        data[f"{part}-x"] = _array(data_dir / f"{part}-x.f32", "<f4", [labels.size, *shape])
    count = data["train-y"].size
    data["orders"] = _array(data_dir / "orders.i32", "<i4", [int(request["epochs"]), count]) if int(request["epochs"]) else np.zeros([0, count], np.int32)
    device = device_step_costs(plan, model_dir, data, int(request.get("deviceSteps", 30)))
    keras_figures = keras_frozen_base_fit(plan, data, request)
    return {"ok": True, "keras": keras_figures, "device": device}
