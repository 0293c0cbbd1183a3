"""The on-device trainable model as a tf.Module with the contract's four signatures.

* The frozen base is graph constants (folded into the .tflite, never a variable, so no signature
  can change it); the dense head is tf.Variables created from the trained weights, plus the
  optimizer state (Adam m and v per weight, and the step).
* `train` runs the head's forward AND backward pass written by hand with ops in the TFLite
  builtin set: no ReluGrad (a mask multiply instead), no autodiff-generated Flex ops, a static
  batch. Softmax + cross-entropy gradient is (p - y) / B.
* The optimizer follows tfjs-core's AdamOptimizer (the optimizer that trained the model):
  m' = b1*m + (1-b1)*g ; v' = b2*v + (1-b2)*g^2 ; w' = w + (m'/(1-b1^t)) / (sqrt(v'/(1-b2^t)) + eps) * (-lr)
  i.e. epsilon is added to the square root of the BIAS-CORRECTED second moment. Keras 3's Adam
  adds epsilon to sqrt(v') before correction (alpha = lr*sqrt(1-b2^t)/(1-b1^t)); the two differ
  only when sqrt(v') is comparable to epsilon. tfjs tracks b^t as a running product, we use
  pow(b, t): equal up to float32 rounding. SGD is tfjs's w' = w + (-lr) * g.
* The loss is the batch mean of -sum(y * log_softmax(logits)): exact categorical cross-entropy
  of the softmax output (tfjs clips probabilities to [1e-7, 1-1e-7] first, which only matters
  when the true class gets p < 1e-7).
* `save(request) -> {state}` / `restore(state) -> {step}` move ONE flat float32 vector laid out as
  the contract's state segments. The Flex flavour instead takes a `checkpoint_path` string and
  uses tf.raw_ops.Save/Restore, as TensorFlow's on-device training guide does.
* A pretrained base (plan.pretrained): `features(x) -> {embedding}` runs the preprocessing and the
  rebuilt base (constants); `infer(x)` = head(features(x)); `train` takes embeddings [B, D], so the
  phone computes features once per sample and trains the head on them.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from .constants import CHECKPOINT_PATH_INPUT, FLAVOUR_BUILTIN, FLAVOUR_FLEX, SIG_FEATURES
from .contract import ConversionPlan
from .tf_setup import tf
from .tfjs_loader import Layer


def _activate(z: tf.Tensor, activation: str) -> tf.Tensor:
    if activation == "relu":
        return tf.nn.relu(z)
    if activation == "softmax":
        return tf.nn.softmax(z)
    if activation == "sigmoid":
        return tf.math.sigmoid(z)
    if activation == "tanh":
        return tf.math.tanh(z)
    return z


def _pair(value: Any) -> list[int]:
    return [value, value] if isinstance(value, int) else [value[0], value[-1]]


def base_forward(x: tf.Tensor, layers: list[Layer]) -> tf.Tensor:
    """The frozen feature extractor, built from constants (inference behaviour: Dropout is identity)."""
    h = x
    for layer in layers:
        config = layer.config
        if layer.class_name == "Conv2D":
            strides = _pair(config.get("strides", 1))
            h = tf.nn.conv2d(h, tf.constant(layer.weights["kernel"]), [1, *strides, 1], config.get("padding", "valid").upper())
            if "bias" in layer.weights:
                h = tf.nn.bias_add(h, tf.constant(layer.weights["bias"]))
            h = _activate(h, config.get("activation") or "linear")
        elif layer.class_name == "MaxPooling2D":
            pool = _pair(config.get("pool_size", 2))
            strides = _pair(config.get("strides") or pool)
            h = tf.nn.max_pool2d(h, pool, strides, config.get("padding", "valid").upper())
        elif layer.class_name == "Flatten":
            h = tf.reshape(h, [-1, int(np.prod(h.shape[1:]))])
        elif layer.class_name == "Dense":
            h = tf.matmul(h, tf.constant(layer.weights["kernel"]))
            if "bias" in layer.weights:
                h = h + tf.constant(layer.weights["bias"])
            h = _activate(h, config.get("activation") or "linear")
        # Dropout: identity outside training; the base is never trained here.
    return h


def image_features(x: tf.Tensor, plan: ConversionPlan) -> tf.Tensor:
    """What the head sees for an image batch: the pretrained base's embedding, or the layer base."""
    if plan.pretrained is not None:
        return plan.pretrained.embed(x)
    return base_forward(x, plan.base)


class TrainableModule(tf.Module):
    """tf.Module exposing train/infer/save/restore for one conversion plan and flavour."""

    def __init__(self, plan: ConversionPlan, flavour: str = FLAVOUR_BUILTIN) -> None:
        super().__init__(name="odt_trainable")
        contract = plan.contract
        self._plan = plan
        self._flavour = flavour
        self._optimizer = dict(contract["optimizer"])
        self._batch = int(contract["trainBatchSize"])
        self._activations = [layer.activation for layer in plan.head]
        # Created from the trained values; convert.py checks after conversion that they survived (#98964).
        self.weights_ = []
        for layer in plan.head:
            self.weights_.append(tf.Variable(layer.kernel, name=f"{layer.name}_kernel", dtype=tf.float32))
            self.weights_.append(tf.Variable(layer.bias, name=f"{layer.name}_bias", dtype=tf.float32))
        self.slots_ = []
        slots = ("m", "v") if self._optimizer["type"] == "adam" else ()
        for slot in slots:
            self.slots_.append([tf.Variable(np.zeros(w.shape, np.float32), name=f"{w.name.split(':')[0]}_{slot}") for w in self.weights_])
        self.step_ = tf.Variable(np.zeros([1], np.float32), name="optimizer_step")
        self._segments = contract["state"]["segments"]
        self._state_size = int(contract["state"]["size"])

        shape = list(contract["inputShape"])
        classes = len(contract["labels"])
        train_shape = [int(contract["embeddingSize"])] if plan.pretrained is not None else shape
        self.train = tf.function(self._train, input_signature=[
            tf.TensorSpec([self._batch, *train_shape], tf.float32, name="x"),
            tf.TensorSpec([self._batch, classes], tf.float32, name="y"),
        ])
        self.infer = tf.function(self._infer, input_signature=[tf.TensorSpec([None, *shape], tf.float32, name="x")])
        if plan.pretrained is not None:
            self.features = tf.function(self._features, input_signature=[tf.TensorSpec([None, *shape], tf.float32, name="x")])
        if flavour == FLAVOUR_FLEX:
            path_spec = [tf.TensorSpec([], tf.string, name=CHECKPOINT_PATH_INPUT)]
            self.save = tf.function(self._save_checkpoint, input_signature=path_spec)
            self.restore = tf.function(self._restore_checkpoint, input_signature=path_spec)
        else:
            self.save = tf.function(self._save_state, input_signature=[tf.TensorSpec([1], tf.float32, name="request")])
            self.restore = tf.function(self._restore_state, input_signature=[tf.TensorSpec([self._state_size], tf.float32, name="state")])

    def state_variables(self) -> list[tf.Variable]:
        """Variables in the contract's state order: weights, each slot's per-weight vars, step."""
        return [*self.weights_, *[v for slot in self.slots_ for v in slot], self.step_]

    def signatures(self) -> dict[str, Callable]:
        """Concrete functions keyed by signature name, for tf.saved_model.save."""
        signatures = {
            "train": self.train.get_concrete_function(),
            "infer": self.infer.get_concrete_function(),
            "save": self.save.get_concrete_function(),
            "restore": self.restore.get_concrete_function(),
        }
        if self._plan.pretrained is not None:
            signatures[SIG_FEATURES] = self.features.get_concrete_function()
        return signatures

    # --- forward / backward -------------------------------------------------------------
    def _head_forward(self, h: tf.Tensor, weights: list[tf.Tensor]):
        inputs, pre = [], []
        a = h
        for index, activation in enumerate(self._activations):
            inputs.append(a)
            z = tf.matmul(a, weights[2 * index]) + weights[2 * index + 1]
            pre.append(z)
            a = _activate(z, activation)
        return inputs, pre, a

    def _infer(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        weights = [w.read_value() for w in self.weights_]
        _, pre, probabilities = self._head_forward(image_features(x, self._plan), weights)
        return {"logits": pre[-1], "probabilities": probabilities}

    def _features(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        return {"embedding": self._plan.pretrained.embed(x)}

    def _head_input(self, x: tf.Tensor) -> tf.Tensor:
        """train's x is an image batch for a layer base, an embedding batch for a pretrained one."""
        return x if self._plan.pretrained is not None else base_forward(x, self._plan.base)

    def _gradients(self, x: tf.Tensor, y: tf.Tensor, weights: list[tf.Tensor]):
        inputs, pre, probabilities = self._head_forward(self._head_input(x), weights)
        batch = float(self._batch)
        loss = tf.reduce_sum(y * tf.nn.log_softmax(pre[-1])) * (-1.0 / batch)
        dz = (probabilities - y) * (1.0 / batch)
        grads: list[tf.Tensor] = [None] * len(weights)  # type: ignore[list-item]
        for index in reversed(range(len(self._activations))):
            grads[2 * index] = tf.matmul(inputs[index], dz, transpose_a=True)
            grads[2 * index + 1] = tf.reduce_sum(dz, axis=0)
            if index == 0:
                break
            da = tf.matmul(dz, weights[2 * index], transpose_b=True)
            below = self._activations[index - 1]
            if below == "relu":
                dz = da * tf.cast(pre[index - 1] > 0.0, tf.float32)  # ReLU' as a mask: no ReluGrad op
            elif below == "softmax":
                a = inputs[index]
                dz = a * (da - tf.reduce_sum(da * a, axis=-1, keepdims=True))
            else:
                dz = da
        return loss, grads

    def _train(self, x: tf.Tensor, y: tf.Tensor) -> dict[str, tf.Tensor]:
        weights = [w.read_value() for w in self.weights_]
        loss, grads = self._gradients(x, y, weights)
        opt = self._optimizer
        lr = float(opt["learningRate"])
        t = self.step_.read_value() + 1.0
        if opt["type"] == "adam":
            b1, b2, eps = float(opt["beta1"]), float(opt["beta2"]), float(opt["epsilon"])
            one_minus_acc_b1 = 1.0 - tf.pow(b1, t)
            one_minus_acc_b2 = 1.0 - tf.pow(b2, t)
            for var, value, g, m, v in zip(self.weights_, weights, grads, self.slots_[0], self.slots_[1]):
                m_new = m.read_value() * b1 + g * (1.0 - b1)
                v_new = v.read_value() * b2 + tf.square(g) * (1.0 - b2)
                m_hat = m_new / one_minus_acc_b1
                v_hat = v_new / one_minus_acc_b2
                m.assign(m_new)
                v.assign(v_new)
                var.assign(value + (m_hat / (tf.sqrt(v_hat) + eps)) * (-lr))
        else:
            for var, value, g in zip(self.weights_, weights, grads):
                var.assign(value + g * (-lr))
        self.step_.assign(t)
        return {"loss": loss}

    # --- state --------------------------------------------------------------------------
    def _save_state(self, request: tf.Tensor) -> dict[str, tf.Tensor]:
        del request  # carries no data: LiteRT's runSignature rejects an empty input map
        flat = [tf.reshape(v.read_value(), [-1]) for v in self.state_variables()]
        return {"state": tf.concat(flat, axis=0)}

    def _restore_state(self, state: tf.Tensor) -> dict[str, tf.Tensor]:
        for var, segment in zip(self.state_variables(), self._segments):
            piece = tf.slice(state, [segment["offset"]], [segment["size"]])
            var.assign(tf.reshape(piece, segment["shape"]))
        return {"step": self.step_.read_value()}

    def _save_checkpoint(self, checkpoint_path: tf.Tensor) -> dict[str, tf.Tensor]:
        names = [segment["name"] for segment in self._segments]
        tf.raw_ops.Save(filename=checkpoint_path, tensor_names=names,
                        data=[v.read_value() for v in self.state_variables()], name="save")
        return {CHECKPOINT_PATH_INPUT: checkpoint_path}

    def _restore_checkpoint(self, checkpoint_path: tf.Tensor) -> dict[str, tf.Tensor]:
        for var, segment in zip(self.state_variables(), self._segments):
            restored = tf.raw_ops.Restore(file_pattern=checkpoint_path, tensor_name=segment["name"],
                                          dt=tf.float32, name="restore")
            var.assign(tf.reshape(restored, segment["shape"]))
        return {"step": self.step_.read_value()}


class InferenceModule(tf.Module):
    """`infer` only, with the head as constants: the input of the quantised companion model."""

    def __init__(self, plan: ConversionPlan) -> None:
        super().__init__(name="odt_inference")
        self._plan = plan
        shape = list(plan.contract["inputShape"])
        self.infer = tf.function(self._infer, input_signature=[tf.TensorSpec([None, *shape], tf.float32, name="x")])

    def _infer(self, x: tf.Tensor) -> dict[str, tf.Tensor]:
        a = image_features(x, self._plan)
        z = a
        for layer in self._plan.head:
            z = tf.matmul(a, tf.constant(layer.kernel)) + tf.constant(layer.bias)
            a = _activate(z, layer.activation)
        return {"logits": z, "probabilities": a}
