"""The signature contract on the Python side: read it, rebuild what it must contain from its
own inputs (mirroring libs/contract/src/build-signature-contract.ts), and check it against the
loaded model. The result is the conversion plan: frozen base layers and the dense head."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .constants import (
    BASE_FORMATS,
    HEAD_ACTIVATIONS,
    PRETRAINED_SIGNATURE_NAMES,
    SIG_FEATURES,
    SIGNATURE_NAMES,
    TRAIN_INPUT_EMBEDDING,
)
from .errors import BridgeError
from .files import read_json
from .tfjs_loader import Layer, TfjsModel

ADAM_DEFAULTS = {"beta1": 0.9, "beta2": 0.999, "epsilon": 1e-7}


def slot_names(optimizer: dict[str, Any]) -> list[str]:
    """Optimizer slots per trainable weight, in state-vector order (mirrors slotNames)."""
    return ["m", "v"] if optimizer["type"] == "adam" else []


def state_layout(head: list[dict[str, Any]], optimizer: dict[str, Any]) -> list[dict[str, Any]]:
    """Mirror of stateLayout(): weights (kernel, bias per layer), each slot per weight, step."""
    weights = []
    for layer in head:
        weights.append({"name": f"{layer['name']}/kernel", "shape": [layer["inputUnits"], layer["units"]]})
        weights.append({"name": f"{layer['name']}/bias", "shape": [layer["units"]]})
    entries = [{**w, "kind": "weight"} for w in weights]
    for slot in slot_names(optimizer):
        entries += [{"name": f"{w['name']}/{slot}", "shape": w["shape"], "kind": "optimizer_slot"} for w in weights]
    entries.append({"name": "optimizer/step", "shape": [1], "kind": "optimizer_step"})
    offset = 0
    segments = []
    for entry in entries:
        size = int(np.prod(entry["shape"]))
        segments.append({"name": entry["name"], "kind": entry["kind"], "shape": entry["shape"], "offset": offset, "size": size})
        offset += size
    return segments


def build_signature_contract(
    model_name: str,
    input_shape: list[int],
    labels: list[str],
    train_batch_size: int,
    base_output_layer: str,
    head: list[dict[str, Any]],
    optimizer: dict[str, Any],
    pretrained: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Mirror of buildSignatureContract(): the contract the TS side writes for these inputs.
    `pretrained` = {"embeddingSize": D, "base": {...}}: train takes [B, D] embeddings, `features`
    is added, and trainInput/embeddingSize/base are recorded (absent: exactly the old contract)."""
    if optimizer["type"] == "adam":
        optimizer = {**ADAM_DEFAULTS, **optimizer}
    segments = state_layout(head, optimizer)
    state_size = segments[-1]["offset"] + segments[-1]["size"]
    classes = len(labels)

    def f32(name: str, shape: list[int]) -> dict[str, Any]:
        return {"name": name, "shape": shape, "dtype": "float32"}

    train_x = [pretrained["embeddingSize"]] if pretrained else list(input_shape)
    contract = {
        "schemaVersion": 1,
        "modelName": model_name,
        "inputShape": list(input_shape),
        "labels": list(labels),
        "trainBatchSize": train_batch_size,
        "baseOutputLayer": base_output_layer,
        "head": head,
        "optimizer": optimizer,
        "loss": "categorical_crossentropy",
        "state": {"size": state_size, "segments": segments},
        "signatures": {
            "train": {
                "inputs": [f32("x", [train_batch_size, *train_x]), f32("y", [train_batch_size, classes])],
                "outputs": [f32("loss", [])],
            },
            "infer": {
                "inputs": [f32("x", [-1, *input_shape])],
                "outputs": [f32("logits", [-1, classes]), f32("probabilities", [-1, classes])],
            },
            "save": {"inputs": [f32("request", [1])], "outputs": [f32("state", [state_size])]},
            "restore": {"inputs": [f32("state", [state_size])], "outputs": [f32("step", [1])]},
        },
    }
    if pretrained:
        contract["signatures"][SIG_FEATURES] = {
            "inputs": [f32("x", [-1, *input_shape])],
            "outputs": [f32("embedding", [-1, pretrained["embeddingSize"]])],
        }
        contract.update({"trainInput": TRAIN_INPUT_EMBEDDING, "embeddingSize": pretrained["embeddingSize"], "base": pretrained["base"]})
    return contract


@dataclass
class HeadLayer:
    name: str
    activation: str
    kernel: np.ndarray
    bias: np.ndarray


@dataclass
class ConversionPlan:
    """What the trainable module is built from: the contract, frozen base layers, dense head."""

    contract: dict[str, Any]
    base: list[Layer]
    head: list[HeadLayer]
    model: TfjsModel
    pretrained: Any = None  # a pretrained_base.PretrainedBase when the contract's trainInput is "embedding"

    @property
    def classes(self) -> int:
        return len(self.contract["labels"])

    @property
    def signature_names(self) -> tuple[str, ...]:
        return PRETRAINED_SIGNATURE_NAMES if self.pretrained is not None else SIGNATURE_NAMES


def _mismatch(message: str, **context: Any) -> BridgeError:
    return BridgeError("CONTRACT_MISMATCH", message, context)


def _check_shape(contract: dict[str, Any]) -> None:
    required = ["schemaVersion", "modelName", "inputShape", "labels", "trainBatchSize", "baseOutputLayer",
                "head", "optimizer", "loss", "state", "signatures"]
    missing = [key for key in required if key not in contract]
    if missing:
        raise BridgeError("ARTIFACTS_INVALID", f"contract.json lacks {', '.join(missing)}", {"missing": missing})
    if contract["schemaVersion"] != 1:
        raise BridgeError("ARTIFACTS_INVALID", f"contract schemaVersion {contract['schemaVersion']!r} is not 1")
    optimizer = contract["optimizer"]
    if not isinstance(optimizer, dict) or optimizer.get("type") not in ("adam", "sgd"):
        raise _mismatch("contract optimizer must be adam or sgd", optimizer=optimizer)
    if not isinstance(contract["head"], list) or not contract["head"]:
        raise _mismatch("contract head is empty")
    for layer in contract["head"]:
        if not isinstance(layer, dict) or not {"name", "inputUnits", "units", "activation"} <= set(layer):
            raise BridgeError("ARTIFACTS_INVALID", "a contract head layer lacks name/inputUnits/units/activation", {"layer": layer})


def is_pretrained(contract: dict[str, Any]) -> bool:
    """A contract for a pretrained base: train takes embeddings, `features` exists."""
    return contract.get("trainInput") == TRAIN_INPUT_EMBEDDING


def _pretrained_fields(contract: dict[str, Any]) -> dict[str, Any] | None:
    """{"embeddingSize", "base"} of a pretrained contract after shape checks; None for a layer base."""
    train_input = contract.get("trainInput", "image")
    if train_input == "image" and not {"embeddingSize", "base"} & set(contract):
        return None
    if train_input != TRAIN_INPUT_EMBEDDING:
        raise BridgeError("ARTIFACTS_INVALID", f"contract trainInput {train_input!r} is not \"image\" or \"embedding\"")
    size, base = contract.get("embeddingSize"), contract.get("base")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise BridgeError("ARTIFACTS_INVALID", "a pretrained contract needs a positive integer embeddingSize", {"embeddingSize": size})
    if not isinstance(base, dict) or not {"pretrained", "featureOutput", "preprocessing", "sha256"} <= set(base):
        raise BridgeError("ARTIFACTS_INVALID", "contract base needs pretrained, featureOutput, preprocessing and sha256", {"base": base})
    if base["pretrained"] not in BASE_FORMATS:
        raise BridgeError("ARTIFACTS_INVALID", f"contract base.pretrained {base['pretrained']!r} is not one of {', '.join(BASE_FORMATS)}")
    if base["featureOutput"] != contract["baseOutputLayer"]:
        raise _mismatch("contract baseOutputLayer must equal base.featureOutput",
                        baseOutputLayer=contract["baseOutputLayer"], featureOutput=base["featureOutput"])
    if contract["head"][0].get("inputUnits") != size:
        raise _mismatch(f"head[0].inputUnits {contract['head'][0].get('inputUnits')} differs from embeddingSize {size}")
    return {"embeddingSize": size, "base": base}


def load_contract(path: Path) -> dict[str, Any]:
    """Reads contract.json and checks it is internally consistent (layout and signatures are what
    buildSignatureContract would derive from its own fields)."""
    contract = read_json(Path(path), "ARTIFACTS_INVALID", "signature contract")
    if not isinstance(contract, dict):
        raise BridgeError("ARTIFACTS_INVALID", "contract.json is not a JSON object", {"path": str(path)})
    _check_shape(contract)
    pretrained = _pretrained_fields(contract)
    rebuilt = build_signature_contract(
        contract["modelName"], contract["inputShape"], contract["labels"], contract["trainBatchSize"],
        contract["baseOutputLayer"], contract["head"], contract["optimizer"], pretrained,
    )
    for key in ("state", "signatures", "loss"):
        if contract[key] != rebuilt[key]:
            raise _mismatch(
                f"contract {key} is not what the contract's own head/optimizer/shapes imply",
                field=key, expected=rebuilt[key], actual=contract[key],
            )
    names = PRETRAINED_SIGNATURE_NAMES if pretrained else SIGNATURE_NAMES
    if set(contract["signatures"]) != set(names):
        raise _mismatch(f"contract signatures must be exactly {', '.join(names)}")
    return {**contract, "optimizer": rebuilt["optimizer"]}


def _match_head(head_specs: list[dict[str, Any]], head_layers: list[Layer]) -> list[HeadLayer]:
    """The model's trailing dense layers must be the contract's head: names, sizes, activations, bias."""
    head: list[HeadLayer] = []
    for index, (spec, layer) in enumerate(zip(head_specs, head_layers)):
        context = {"contractLayer": spec["name"], "modelLayer": layer.name}
        if layer.name != spec["name"] or layer.class_name != "Dense":
            raise _mismatch(
                f"contract head layer {index} is {spec['name']} but the model's layer at that position is "
                f"{layer.name} ({layer.class_name})", **context,
            )
        kernel = layer.weights["kernel"]
        activation = layer.config.get("activation") or "linear"
        if [int(d) for d in kernel.shape] != [spec["inputUnits"], spec["units"]] or activation != spec["activation"]:
            raise _mismatch(
                f"head layer {layer.name} is {kernel.shape[0]}->{kernel.shape[1]} {activation} in the model but "
                f"{spec['inputUnits']}->{spec['units']} {spec['activation']} in the contract", **context,
            )
        if activation not in HEAD_ACTIVATIONS:
            raise _mismatch(f"head layer {layer.name} uses {activation}; the head supports {', '.join(HEAD_ACTIVATIONS)}")
        bias = layer.weights.get("bias")
        if bias is None:
            raise _mismatch(f"head layer {layer.name} has no bias; the state layout needs one", **context)
        head.append(HeadLayer(layer.name, activation, kernel, bias))
    return head


def _check_head_output(head: list[HeadLayer], contract: dict[str, Any]) -> None:
    if head[-1].activation != "softmax":
        raise _mismatch("the last head layer must use softmax (the loss is categorical cross-entropy)")
    if head[-1].kernel.shape[1] != len(contract["labels"]):
        raise _mismatch(f"the model has {head[-1].kernel.shape[1]} outputs but the contract has {len(contract['labels'])} labels")


def plan_conversion(model: TfjsModel, contract: dict[str, Any]) -> ConversionPlan:
    """Matches the contract to the loaded model: same input shape, head layers are the trailing
    dense layers with the contract's names/sizes/activations, the base ends at baseOutputLayer."""
    if list(model.input_shape) != list(contract["inputShape"]):
        raise _mismatch(
            f"model input shape {list(model.input_shape)} differs from contract inputShape {contract['inputShape']}",
            model=list(model.input_shape), contract=contract["inputShape"],
        )
    head_specs = contract["head"]
    n_head = len(head_specs)
    if n_head >= len(model.layers):
        raise _mismatch("the contract's head has as many layers as the whole model; nothing is left for the base")
    base_layers, head_layers = model.layers[:-n_head], model.layers[-n_head:]
    head = _match_head(head_specs, head_layers)
    _check_head_output(head, contract)
    if base_layers[-1].name != contract["baseOutputLayer"]:
        raise _mismatch(
            f"contract baseOutputLayer is {contract['baseOutputLayer']} but the layer before the head is {base_layers[-1].name}",
            contract=contract["baseOutputLayer"], model=base_layers[-1].name,
        )
    if len(base_layers[-1].output_shape) != 1:
        raise _mismatch(f"the base output {base_layers[-1].name} is not flat; the dense head needs a Flatten before it")
    return ConversionPlan(contract=contract, base=base_layers, head=head, model=model)


def plan_pretrained(model: TfjsModel, contract: dict[str, Any], pretrained: Any) -> ConversionPlan:
    """A pretrained base: the tfjs model is the head only (input [D]), every layer is a head layer,
    and the loaded base produces embeddings of exactly D = embeddingSize."""
    size = int(contract["embeddingSize"])
    if list(model.input_shape) != [size]:
        raise _mismatch(f"the head model's input is {list(model.input_shape)} but embeddingSize is {size}",
                        model=list(model.input_shape), embeddingSize=size)
    if pretrained.embedding_size != size:
        raise _mismatch(f"the base's featureOutput {pretrained.feature_output!r} gives {pretrained.embedding_size} features "
                        f"but the contract's embeddingSize is {size}")
    if len(model.layers) != len(contract["head"]):
        raise _mismatch(f"the head model has {len(model.layers)} layers but the contract's head has {len(contract['head'])}")
    head = _match_head(contract["head"], model.layers)
    _check_head_output(head, contract)
    return ConversionPlan(contract=contract, base=[], head=head, model=model, pretrained=pretrained)
