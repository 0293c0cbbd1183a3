"""TensorFlow ops a pretrained base may use, each rebuilt as plain TF ops that the TFLite converter
maps to builtins. tfjs graph models hold fused ops (_FusedConv2D, FusedDepthwiseConv2dNative,
_FusedMatMul with `fused_ops` such as BiasAdd, FusedBatchNorm, Relu6, Prelu); they are un-fused here
into the op followed by its epilogue. The keys of OPS are the allowlist: anything else is refused
(UNSUPPORTED_OP) before a single op is built, naming the op and the node.

Node attributes arrive as tfjs writes them (protobuf JSON: {"i": "2"}, {"s": base64}, {"list": {...}}).
"""

from __future__ import annotations

import base64
from typing import Any, Callable

from .tf_setup import tf


def attr(node: dict[str, Any], key: str, default: Any = None) -> Any:
    """One attribute value in Python form (ints, floats, bools, str, lists), or default."""
    value = (node.get("attr") or {}).get(key)
    if value is None:
        return default
    if "list" in value:
        lst = value["list"]
        if "i" in lst:
            return [int(v) for v in lst["i"]]
        if "f" in lst:
            return [float(v) for v in lst["f"]]
        if "s" in lst:
            return [base64.b64decode(v).decode() for v in lst["s"]]
        return []
    if "s" in value:
        return base64.b64decode(value["s"]).decode()
    if "i" in value:
        return int(value["i"])
    if "f" in value:
        return float(value["f"])
    if "b" in value:
        return bool(value["b"])
    if "type" in value:
        return value["type"]
    return default


def _padding(node: dict[str, Any]) -> Any:
    padding = attr(node, "padding", "VALID")
    if padding == "EXPLICIT":
        flat = attr(node, "explicit_paddings", [])
        return [flat[i:i + 2] for i in range(0, len(flat), 2)]
    return padding


def _check_nhwc(node: dict[str, Any]) -> None:
    fmt = attr(node, "data_format", "NHWC")
    if fmt not in ("NHWC", None, ""):
        raise ValueError(f"data_format {fmt}: only NHWC is supported")


def _conv2d(node, x, w):
    _check_nhwc(node)
    return tf.nn.conv2d(x, w, attr(node, "strides", [1, 1, 1, 1]), _padding(node),
                        dilations=attr(node, "dilations", [1, 1, 1, 1]))


def _depthwise(node, x, w):
    _check_nhwc(node)
    padding = _padding(node)
    if isinstance(padding, list):
        x = tf.pad(x, padding)
        padding = "VALID"
    strides = attr(node, "strides", [1, 1, 1, 1])
    dilations = attr(node, "dilations", [1, 1, 1, 1])
    return tf.nn.depthwise_conv2d(x, w, strides, padding, dilations=dilations[1:3])


def _matmul(node, a, b):
    return tf.linalg.matmul(a, b, transpose_a=attr(node, "transpose_a", False), transpose_b=attr(node, "transpose_b", False))


def _batch_norm(x, scale, offset, mean, variance, epsilon):
    """Inference-mode batch norm in the order TF computes it: (x - mean) * rsqrt(var + eps) * scale + offset."""
    return (x - mean) * (tf.math.rsqrt(variance + epsilon) * scale) + offset


def _prelu(x, alpha):
    return tf.nn.relu(x) - alpha * tf.nn.relu(-x)


def _activation(name: str, x, node, args: list) -> Any:
    if name == "Relu":
        return tf.nn.relu(x)
    if name == "Relu6":
        return tf.nn.relu6(x)
    if name == "Elu":
        return tf.nn.elu(x)
    if name == "LeakyRelu":
        return tf.nn.leaky_relu(x, alpha=attr(node, "leakyrelu_alpha", 0.2))
    if name == "Sigmoid":
        return tf.math.sigmoid(x)
    if name == "Tanh":
        return tf.math.tanh(x)
    if name == "Prelu":
        return _prelu(x, args.pop(0))
    raise ValueError(f"fused op {name} is not supported")


FUSED_OPS = ("BiasAdd", "FusedBatchNorm", "Relu", "Relu6", "Elu", "LeakyRelu", "Sigmoid", "Tanh", "Prelu")


def _fused(core: Callable) -> Callable:
    """`core(node, x, w)` then each of `fused_ops`, consuming the remaining inputs in order
    (BiasAdd: bias; FusedBatchNorm: scale, offset, mean, variance; Prelu: alpha)."""

    def run(node, x, w, *extra):
        args = list(extra)
        y = core(node, x, w)
        for op in attr(node, "fused_ops", []):
            if op == "BiasAdd":
                y = tf.nn.bias_add(y, args.pop(0))
            elif op == "FusedBatchNorm":
                scale, offset, mean, variance = (args.pop(0) for _ in range(4))
                y = _batch_norm(y, scale, offset, mean, variance, attr(node, "epsilon", 1e-3))
            else:
                y = _activation(op, y, node, args)
        return y

    return run


def _fused_batch_norm(node, x, scale, offset, mean, variance, *_rest):
    _check_nhwc(node)
    if attr(node, "is_training", False):
        raise ValueError("is_training=true: only inference-mode batch norm is supported")
    return _batch_norm(x, scale, offset, mean, variance, attr(node, "epsilon", 1e-3))


def _reduce(fn: Callable) -> Callable:
    return lambda node, x, axes: fn(x, axis=axes, keepdims=attr(node, "keep_dims", False))


def _pool(fn: Callable) -> Callable:
    def run(node, x):
        _check_nhwc(node)
        return fn(x, attr(node, "ksize"), attr(node, "strides"), attr(node, "padding", "VALID"))

    return run


def _strided_slice(node, x, begin, end, strides):
    return tf.strided_slice(x, begin, end, strides, begin_mask=attr(node, "begin_mask", 0), end_mask=attr(node, "end_mask", 0),
                            ellipsis_mask=attr(node, "ellipsis_mask", 0), new_axis_mask=attr(node, "new_axis_mask", 0),
                            shrink_axis_mask=attr(node, "shrink_axis_mask", 0))


# op -> fn(node, *inputs). Const and Placeholder are handled by the graph builder itself.
OPS: dict[str, Callable] = {
    "Identity": lambda node, x: tf.identity(x),
    "Conv2D": _conv2d,
    "DepthwiseConv2dNative": _depthwise,
    "MatMul": _matmul,
    "_FusedConv2D": _fused(_conv2d),
    "FusedDepthwiseConv2dNative": _fused(_depthwise),
    "_FusedMatMul": _fused(_matmul),
    "BiasAdd": lambda node, x, b: tf.nn.bias_add(x, b),
    "Add": lambda node, a, b: tf.math.add(a, b),
    "AddV2": lambda node, a, b: tf.math.add(a, b),
    "AddN": lambda node, *xs: tf.math.add_n(list(xs)),
    "Sub": lambda node, a, b: tf.math.subtract(a, b),
    "Mul": lambda node, a, b: tf.math.multiply(a, b),
    "RealDiv": lambda node, a, b: tf.math.divide(a, b),
    "Maximum": lambda node, a, b: tf.math.maximum(a, b),
    "Minimum": lambda node, a, b: tf.math.minimum(a, b),
    "Neg": lambda node, x: tf.math.negative(x),
    "Abs": lambda node, x: tf.math.abs(x),
    "Square": lambda node, x: tf.math.square(x),
    "Sqrt": lambda node, x: tf.math.sqrt(x),
    "Rsqrt": lambda node, x: tf.math.rsqrt(x),
    "Relu": lambda node, x: tf.nn.relu(x),
    "Relu6": lambda node, x: tf.nn.relu6(x),
    "Elu": lambda node, x: tf.nn.elu(x),
    "LeakyRelu": lambda node, x: tf.nn.leaky_relu(x, alpha=attr(node, "alpha", 0.2)),
    "Prelu": lambda node, x, alpha: _prelu(x, alpha),
    "Sigmoid": lambda node, x: tf.math.sigmoid(x),
    "Tanh": lambda node, x: tf.math.tanh(x),
    "Softmax": lambda node, x: tf.nn.softmax(x),
    "FusedBatchNorm": _fused_batch_norm,
    "FusedBatchNormV2": _fused_batch_norm,
    "FusedBatchNormV3": _fused_batch_norm,
    "Mean": _reduce(tf.math.reduce_mean),
    "Max": _reduce(tf.math.reduce_max),
    "Sum": _reduce(tf.math.reduce_sum),
    "MaxPool": _pool(tf.nn.max_pool2d),
    "AvgPool": _pool(tf.nn.avg_pool2d),
    "Pad": lambda node, x, paddings: tf.pad(x, paddings),
    "PadV2": lambda node, x, paddings, value: tf.pad(x, paddings, constant_values=value),
    "Reshape": lambda node, x, shape: tf.reshape(x, shape),
    "Squeeze": lambda node, x: tf.squeeze(x, axis=attr(node, "squeeze_dims") or None),
    "ExpandDims": lambda node, x, axis: tf.expand_dims(x, axis),
    "ConcatV2": lambda node, *xs: tf.concat(list(xs[:-1]), axis=xs[-1]),
    "Pack": lambda node, *xs: tf.stack(list(xs), axis=attr(node, "axis", 0)),
    "Transpose": lambda node, x, perm: tf.transpose(x, perm),
    "StridedSlice": _strided_slice,
}

SUPPORTED_OPS = tuple(sorted([*OPS, "Const", "Placeholder"]))
