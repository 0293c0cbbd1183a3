"""Reads a tfjs layers-format Sequential model (model.json + weight shards) into plain Python:
a list of layers with numpy weights, validated against the topology. Our own small loader
(the format is a JSON file and raw little-endian float32), so the pinned env stays lean.

The format is what tfjs-layers 4.22 writes with `model.save('file://...')`: model.json holds
`modelTopology` (keras-style, snake_case keys, `class_name`/`config`) and `weightsManifest`
(groups of `paths` whose concatenated bytes hold `weights` [{name, shape, dtype}] in order).
Weights are matched by name (`<layer>/kernel`, `<layer>/bias`), never by position: tfjs lists
trainable weights before frozen ones, so the manifest order is not the layer order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .constants import (
    SUPPORTED_ACTIVATIONS,
    SUPPORTED_LAYER_CLASSES,
    TFJS_DTYPE,
    TFJS_FORMAT,
    TFJS_MODEL_JSON,
)
from .errors import BridgeError
from .files import read_json
from .weight_shards import read_weight_groups


@dataclass
class Layer:
    """One layer: its class, the options the bridge uses, weights by short name, output shape."""

    name: str
    class_name: str
    config: dict[str, Any]
    weights: dict[str, np.ndarray] = field(default_factory=dict)
    output_shape: tuple[int, ...] = ()


@dataclass
class TfjsModel:
    """A loaded Sequential model; `input_shape` has no batch dimension."""

    input_shape: tuple[int, ...]
    layers: list[Layer]
    generated_by: str | None
    weight_bytes: int

    def layer(self, name: str) -> Layer | None:
        return next((layer for layer in self.layers if layer.name == name), None)


def _invalid(message: str, **context: Any) -> BridgeError:
    return BridgeError("ARTIFACTS_INVALID", message, context)


def _unsupported(message: str, **context: Any) -> BridgeError:
    return BridgeError(
        "UNSUPPORTED_LAYER",
        f"{message}; supported layers: {', '.join(SUPPORTED_LAYER_CLASSES)} "
        f"(activations: {', '.join(SUPPORTED_ACTIVATIONS)}; channels_last, no dilation)",
        context,
        "Use only the layer types allowed by the model config (conv2d, maxPooling2d, flatten, dense, dropout).",
    )


def _pair(value: Any, what: str, layer: str) -> tuple[int, int]:
    if isinstance(value, int) and not isinstance(value, bool):
        return (value, value)
    if isinstance(value, list) and len(value) in (1, 2) and all(isinstance(v, int) for v in value):
        return (value[0], value[-1])
    raise _invalid(f"layer {layer} has an invalid {what}: {value!r}", layer=layer)


def _activation(config: dict[str, Any], layer: str) -> str:
    activation = config.get("activation", "linear")
    if activation is None:
        activation = "linear"
    if activation not in SUPPORTED_ACTIVATIONS:
        raise _unsupported(f"layer {layer} uses activation {activation!r}", layer=layer)
    return activation


def _check_layout(config: dict[str, Any], layer: str) -> None:
    data_format = config.get("data_format", "channels_last")
    if data_format not in (None, "channels_last"):
        raise _unsupported(f"layer {layer} uses data_format {data_format!r}", layer=layer)


def _conv_out(size: int, kernel: int, stride: int, padding: str, layer: str) -> int:
    if padding == "same":
        return math.ceil(size / stride)
    if padding == "valid":
        out = (size - kernel) // stride + 1
        if out < 1:
            raise _invalid(f"layer {layer}: window {kernel} does not fit input size {size}", layer=layer)
        return out
    raise _unsupported(f"layer {layer} uses padding {padding!r}", layer=layer)


def _topology_layers(model_json: dict[str, Any]) -> list[dict[str, Any]]:
    topology = model_json.get("modelTopology")
    if not isinstance(topology, dict):
        raise _invalid("model.json has no modelTopology object")
    if isinstance(topology.get("model_config"), dict):  # layout written by the Python converter
        topology = topology["model_config"]
    class_name = topology.get("class_name")
    if class_name != "Sequential":
        raise _invalid(
            f"model.json holds a {class_name!r} model; the bridge reads Sequential models only",
            className=class_name,
        )
    config = topology.get("config")
    layers = config.get("layers") if isinstance(config, dict) else config
    if not isinstance(layers, list) or not layers:
        raise _invalid("modelTopology.config.layers is missing or empty")
    for entry in layers:
        if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict) or "class_name" not in entry:
            raise _invalid("a layer in modelTopology has no class_name/config", layer=entry)
    return layers


def _input_shape(layers: list[dict[str, Any]]) -> tuple[int, ...]:
    first = layers[0]["config"]
    shape = first.get("batch_input_shape") or first.get("batch_shape")
    if not isinstance(shape, list) or len(shape) < 2 or not all(isinstance(d, int) and d > 0 for d in shape[1:]):
        raise _invalid("the first layer has no usable batch_input_shape", batchInputShape=shape)
    return tuple(shape[1:])


def _expected_weights(class_name: str, config: dict[str, Any], shape: tuple[int, ...], name: str):
    """Returns (output shape, {short weight name: shape}) for one layer, validating its options."""
    if class_name == "InputLayer" or class_name == "Dropout":
        return shape, {}
    if class_name == "Flatten":
        return (int(np.prod(shape)),), {}
    if class_name == "Dense":
        if len(shape) != 1:
            raise _invalid(f"Dense layer {name} gets a {len(shape)}-D input; add a Flatten before it", layer=name)
        _activation(config, name)
        units = config.get("units")
        if not isinstance(units, int) or units < 1:
            raise _invalid(f"Dense layer {name} has invalid units {units!r}", layer=name)
        weights = {"kernel": (shape[0], units)}
        if config.get("use_bias", True):
            weights["bias"] = (units,)
        return (units,), weights
    if len(shape) != 3:
        raise _invalid(f"layer {name} expects an [height, width, channels] input, got {list(shape)}", layer=name)
    _check_layout(config, name)
    padding = config.get("padding", "valid")
    if class_name == "Conv2D":
        _activation(config, name)
        if _pair(config.get("dilation_rate", 1), "dilation_rate", name) != (1, 1):
            raise _unsupported(f"layer {name} uses dilation", layer=name)
        kh, kw = _pair(config.get("kernel_size"), "kernel_size", name)
        sh, sw = _pair(config.get("strides", 1), "strides", name)
        filters = config.get("filters")
        if not isinstance(filters, int) or filters < 1:
            raise _invalid(f"Conv2D layer {name} has invalid filters {filters!r}", layer=name)
        out = (_conv_out(shape[0], kh, sh, padding, name), _conv_out(shape[1], kw, sw, padding, name), filters)
        weights = {"kernel": (kh, kw, shape[2], filters)}
        if config.get("use_bias", True):
            weights["bias"] = (filters,)
        return out, weights
    if class_name == "MaxPooling2D":
        ph, pw = _pair(config.get("pool_size", 2), "pool_size", name)
        strides = config.get("strides") or [ph, pw]
        sh, sw = _pair(strides, "strides", name)
        return (_conv_out(shape[0], ph, sh, padding, name), _conv_out(shape[1], pw, sw, padding, name), shape[2]), {}
    raise _unsupported(f"layer {name} is a {class_name}", layer=name, className=class_name)


def _read_weight_groups(model_dir: Path, manifest: Any) -> dict[str, np.ndarray]:
    return read_weight_groups(model_dir, manifest, {TFJS_DTYPE: "<f4"}, _invalid)


def load_tfjs_model(model_dir: Path) -> TfjsModel:
    """Loads and validates a tfjs layers model folder; raises BridgeError with a precise reason."""
    model_dir = Path(model_dir)
    model_json = read_json(model_dir / TFJS_MODEL_JSON, "ARTIFACTS_INVALID", f"tfjs {TFJS_MODEL_JSON}")
    if not isinstance(model_json, dict):
        raise _invalid("model.json is not a JSON object")
    fmt = model_json.get("format")
    if fmt not in (None, TFJS_FORMAT):
        raise _invalid(f"model.json format is {fmt!r}; the bridge reads the {TFJS_FORMAT!r} format", format=fmt)
    raw_layers = _topology_layers(model_json)
    for entry in raw_layers:
        if entry["class_name"] not in SUPPORTED_LAYER_CLASSES:
            name = entry["config"].get("name", "?")
            raise _unsupported(f"layer {name} is a {entry['class_name']}", layer=name, className=entry["class_name"])
    shape = _input_shape(raw_layers)
    values = _read_weight_groups(model_dir, model_json.get("weightsManifest"))
    layers: list[Layer] = []
    used: set[str] = set()
    for entry in raw_layers:
        config, class_name = entry["config"], entry["class_name"]
        name = config.get("name")
        if not isinstance(name, str) or not name:
            raise _invalid("a layer has no name", className=class_name)
        if any(layer.name == name for layer in layers):
            raise _invalid(f"layer name {name} is used twice", layer=name)
        shape, expected = _expected_weights(class_name, config, shape, name)
        weights: dict[str, np.ndarray] = {}
        for short, want in expected.items():
            full = f"{name}/{short}"
            if full not in values:
                raise _invalid(f"weight {full} required by the topology is not in weightsManifest", weight=full)
            got = values[full]
            if tuple(got.shape) != tuple(want):
                raise _invalid(
                    f"weight {full} has shape {list(got.shape)} but the topology needs {list(want)}",
                    weight=full, shape=list(got.shape), expected=list(want),
                )
            if not np.all(np.isfinite(got)):
                raise _invalid(f"weight {full} holds NaN or Inf values", weight=full)
            weights[short] = got
            used.add(full)
        layers.append(Layer(name=name, class_name=class_name, config=config, weights=weights, output_shape=tuple(shape)))
    extra = sorted(set(values) - used)
    if extra:
        raise _invalid(f"weightsManifest lists weights no layer uses: {', '.join(extra)}", weights=extra)
    layers = [layer for layer in layers if layer.class_name != "InputLayer"]
    total = sum(v.nbytes for v in values.values())
    return TfjsModel(_input_shape(raw_layers), layers, model_json.get("generatedBy"), total)
