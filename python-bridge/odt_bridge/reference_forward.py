"""An independent NumPy (float64) forward pass of the tfjs model, used by verify to prove the
frozen base did not move: after on-device training, the interpreter's logits must equal
reference_base(x) pushed through the head weights the model itself reports via `save`."""

from __future__ import annotations

import math

import numpy as np

from .tfjs_loader import Layer


def _pair(value) -> tuple[int, int]:
    return (value, value) if isinstance(value, int) else (value[0], value[-1])


def _activate(z: np.ndarray, activation: str) -> np.ndarray:
    if activation == "relu":
        return np.maximum(z, 0.0)
    if activation == "softmax":
        e = np.exp(z - z.max(axis=-1, keepdims=True))
        return e / e.sum(axis=-1, keepdims=True)
    if activation == "sigmoid":
        return 1.0 / (1.0 + np.exp(-z))
    if activation == "tanh":
        return np.tanh(z)
    return z


def _pad_same(x: np.ndarray, k: tuple[int, int], s: tuple[int, int], value: float) -> np.ndarray:
    pads = []
    for size, kernel, stride in zip(x.shape[1:3], k, s):
        out = math.ceil(size / stride)
        total = max((out - 1) * stride + kernel - size, 0)
        pads.append((total // 2, total - total // 2))
    return np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)], constant_values=value)


def _windows(x: np.ndarray, k: tuple[int, int], s: tuple[int, int]) -> np.ndarray:
    """[N, OH, OW, KH, KW, C] sliding windows."""
    view = np.lib.stride_tricks.sliding_window_view(x, k, axis=(1, 2))  # [N, H', W', C, KH, KW]
    view = view[:, :: s[0], :: s[1]]
    return np.moveaxis(view, 3, 5)


def reference_base(x: np.ndarray, layers: list[Layer]) -> np.ndarray:
    """Base features for x (inference behaviour), computed in float64."""
    h = x.astype(np.float64)
    for layer in layers:
        c = layer.config
        if layer.class_name == "Conv2D":
            k, s = _pair(c["kernel_size"]), _pair(c.get("strides", 1))
            if c.get("padding", "valid") == "same":
                h = _pad_same(h, k, s, 0.0)
            w = _windows(h, k, s)
            h = np.einsum("nhwijc,ijcf->nhwf", w, layer.weights["kernel"].astype(np.float64))
            if "bias" in layer.weights:
                h = h + layer.weights["bias"]
            h = _activate(h, c.get("activation") or "linear")
        elif layer.class_name == "MaxPooling2D":
            k = _pair(c.get("pool_size", 2))
            s = _pair(c.get("strides") or k)
            if c.get("padding", "valid") == "same":
                h = _pad_same(h, k, s, -np.inf)
            h = _windows(h, k, s).max(axis=(3, 4))
        elif layer.class_name == "Flatten":
            h = h.reshape(h.shape[0], -1)
        elif layer.class_name == "Dense":
            h = h @ layer.weights["kernel"].astype(np.float64)
            if "bias" in layer.weights:
                h = h + layer.weights["bias"]
            h = _activate(h, c.get("activation") or "linear")
    return h


def reference_head(features: np.ndarray, weights: list[np.ndarray], activations: list[str]) -> np.ndarray:
    """Logits of the dense head for given (kernel, bias, ...) weights."""
    a = features
    z = a
    for index, activation in enumerate(activations):
        z = a @ weights[2 * index].astype(np.float64) + weights[2 * index + 1]
        a = _activate(z, activation)
    return z
