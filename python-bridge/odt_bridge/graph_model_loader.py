"""Reads a tfjs GRAPH model (model.json + weight shards) and rebuilds it as a TF function from the
input image batch to one output node (the base's feature output).

model.json's `modelTopology` is a GraphDef in protobuf JSON: `node[]` with name/op/input/attr. Const
values are not in the topology but in `weightsManifest` (groups of shard `paths` whose concatenated
bytes hold `weights` [{name, shape, dtype}], named by the Const node). Only float32 and int32
unquantised weights are read. The same GraphModel structure is produced from a frozen GraphDef
(saved-model and keras bases), so one allowlist and one rebuild serve all three formats.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .constants import TFJS_GRAPH_FORMAT, TFJS_MODEL_JSON
from .errors import BridgeError
from .files import read_json
from .graph_ops import OPS, SUPPORTED_OPS, attr
from .weight_shards import read_weight_groups
from .tf_setup import tf

WEIGHT_DTYPES = {"float32": "<f4", "int32": "<i4"}


@dataclass
class GraphModel:
    """Nodes by name (file order), Const values by node name, the signature's outputs if any."""

    nodes: dict[str, dict[str, Any]]
    weights: dict[str, np.ndarray]
    signature_outputs: dict[str, str] = field(default_factory=dict)  # output key -> node name
    source: str = ""

    @property
    def weight_bytes(self) -> int:
        return sum(int(v.nbytes) for v in self.weights.values())

    def consumers(self) -> set[str]:
        return {_source(i)[0] for node in self.nodes.values() for i in node.get("input", []) if not i.startswith("^")}

    def output_candidates(self) -> list[str]:
        """Signature outputs first, then every non-Const node no other node consumes."""
        used = self.consumers()
        sinks = [n for n, node in self.nodes.items() if n not in used and node["op"] not in ("Const", "NoOp")]
        named = list(dict.fromkeys(self.signature_outputs.values()))
        return named + [n for n in sinks if n not in named]


def _invalid(message: str, **context: Any) -> BridgeError:
    return BridgeError("BASE_INVALID", message, context)


def _source(ref: str) -> tuple[str, int]:
    """'node' -> (node, 0), 'node:1' -> (node, 1)."""
    name, _, index = ref.partition(":")
    return name, int(index) if index.isdigit() else 0


def _read_weights(model_dir: Path, manifest: Any) -> dict[str, np.ndarray]:
    return read_weight_groups(model_dir, manifest, WEIGHT_DTYPES, _invalid, "the graph model's model.json")


def model_json_path(path: Path) -> Path:
    """The graph model's JSON: `path` itself, or in a folder its model.json, else its one *.json
    (a package may name it after the model, e.g. mobilefacenet.json; the copy keeps the name)."""
    path = Path(path)
    if path.is_file() or path.suffix == ".json":
        return path
    if (path / TFJS_MODEL_JSON).is_file():
        return path / TFJS_MODEL_JSON
    candidates = sorted(path.glob("*.json")) if path.is_dir() else []
    if len(candidates) != 1:
        raise _invalid(f"{path} must hold the graph model's model.json (found {len(candidates)} .json files)", path=str(path))
    return candidates[0]


def graph_model_files(model: Path) -> list[str]:
    """The model JSON plus every shard it lists (paths relative to its folder): the files that make the base."""
    model_json_file = model_json_path(model)
    model_json = read_json(model_json_file, "BASE_INVALID", "graph model JSON")
    manifest = model_json.get("weightsManifest") if isinstance(model_json, dict) else None
    paths = [str(p) for group in manifest or [] for p in (group or {}).get("paths", [])]
    return [model_json_file.name, *paths]


def load_graph_model(model: Path) -> GraphModel:
    """Parses a tfjs graph model (its folder or its JSON file); raises BASE_INVALID naming what is wrong."""
    model_json_file = model_json_path(model)
    model_dir = model_json_file.parent
    model_json = read_json(model_json_file, "BASE_INVALID", "graph model model.json")
    if not isinstance(model_json, dict):
        raise _invalid("the graph model's model.json is not a JSON object")
    if model_json.get("format") not in (None, TFJS_GRAPH_FORMAT):
        raise _invalid(f"model.json format is {model_json.get('format')!r}, not {TFJS_GRAPH_FORMAT!r}: a tfjs layers model "
                       "is not a graph model", format=model_json.get("format"))
    topology = model_json.get("modelTopology")
    if not isinstance(topology, dict) or not isinstance(topology.get("node"), list):
        raise _invalid("model.json modelTopology has no node list (a GraphDef in JSON)")
    if (topology.get("library") or {}).get("function"):
        raise BridgeError("UNSUPPORTED_OP", "the graph model defines functions (control flow); the bridge rebuilds flat graphs only",
                          {"functions": [f.get("signature", {}).get("name") for f in topology["library"]["function"]]})
    signature = model_json.get("signature") or {}
    outputs = {key: _source(value.get("name", ""))[0] for key, value in (signature.get("outputs") or {}).items()}
    model = from_node_list(topology["node"], _read_weights(model_dir, model_json.get("weightsManifest")), outputs)
    model.source = str(model_dir)
    return model


def from_node_list(nodes: list[dict[str, Any]], weights: dict[str, np.ndarray], outputs: dict[str, str] | None = None) -> GraphModel:
    """A GraphModel from GraphDef-JSON nodes; Const nodes must have a value in `weights`."""
    by_name: dict[str, dict[str, Any]] = {}
    for node in nodes:
        if not isinstance(node, dict) or not isinstance(node.get("name"), str) or not isinstance(node.get("op"), str):
            raise _invalid("a graph node has no name/op", node=str(node)[:200])
        by_name[node["name"]] = node
    return GraphModel(by_name, weights, dict(outputs or {}))


def from_graph_def(graph_def: Any, outputs: dict[str, str] | None = None) -> GraphModel:
    """A GraphModel from a frozen tf.compat.v1.GraphDef (saved-model and keras bases)."""
    from google.protobuf.json_format import MessageToDict

    weights = {node.name: tf.make_ndarray(node.attr["value"].tensor) for node in graph_def.node if node.op == "Const"}
    nodes = MessageToDict(graph_def).get("node", [])
    for node in nodes:
        if node["op"] == "Const":
            node.get("attr", {}).pop("value", None)
    return from_node_list(nodes, weights, outputs)


def reachable(model: GraphModel, output: str) -> list[str]:
    """Node names the output depends on (data edges only), inputs before consumers."""
    order: list[str] = []
    seen: set[str] = set()
    stack: list[tuple[str, bool]] = [(output, False)]
    while stack:
        name, expanded = stack.pop()
        if expanded:
            order.append(name)
            continue
        if name in seen:
            continue
        seen.add(name)
        node = model.nodes.get(name)
        if node is None:
            raise _invalid(f"node {name!r} is referenced as an input but not defined in the graph", node=name)
        stack.append((name, True))
        for ref in reversed(node.get("input", [])):
            if not ref.startswith("^"):
                stack.append((_source(ref)[0], False))
    return order


def check_output(model: GraphModel, output: str) -> list[str]:
    """The output must be a node, every op it depends on allowlisted, with exactly one Placeholder.
    Returns the nodes to build in order. Nothing is built before this passes."""
    if output not in model.nodes:
        candidates = model.output_candidates()
        keys = {node: key for key, node in model.signature_outputs.items()}
        shown = ", ".join(f"{c} (signature output {keys[c]!r})" if c in keys else c for c in candidates[:20])
        raise _invalid(f"featureOutput {output!r} is not a node of the base graph; candidate output nodes: {shown}",
                       featureOutput=output, candidates=candidates[:50], source=model.source)
    order = reachable(model, output)
    for name in order:
        op = model.nodes[name]["op"]
        if op not in SUPPORTED_OPS:
            raise BridgeError(
                "UNSUPPORTED_OP",
                f"the base uses op {op!r} (node {name!r}) which the bridge cannot express with TFLite builtins; "
                f"supported: {', '.join(SUPPORTED_OPS)}",
                {"op": op, "node": name, "supported": list(SUPPORTED_OPS), "source": model.source},
            )
        if op == "Const" and name not in model.weights:
            raise _invalid(f"Const node {name!r} has no value in weightsManifest", node=name)
    placeholders = [n for n in order if model.nodes[n]["op"] == "Placeholder"]
    if len(placeholders) != 1:
        raise _invalid(f"featureOutput {output!r} depends on {len(placeholders)} inputs ({', '.join(placeholders)}); the base needs "
                       "exactly one image input", inputs=placeholders)
    return order


def input_node(model: GraphModel, output: str) -> tuple[str, list[int | None]]:
    """The single Placeholder feeding `output` and its declared shape (None for unknown dims)."""
    name = next(n for n in check_output(model, output) if model.nodes[n]["op"] == "Placeholder")
    dims = (((model.nodes[name].get("attr") or {}).get("shape") or {}).get("shape") or {}).get("dim", [])
    return name, [None if int(d.get("size", -1)) < 0 else int(d["size"]) for d in dims]


def build(model: GraphModel, output: str, x: tf.Tensor) -> tf.Tensor:
    """Emits the rebuilt graph for `output` with `x` as its input (call inside a tf.function)."""
    order = check_output(model, output)
    values: dict[str, Any] = {}
    for name in order:
        node = model.nodes[name]
        op = node["op"]
        if op == "Placeholder":
            values[name] = x
            continue
        if op == "Const":
            values[name] = tf.constant(model.weights[name])
            continue
        inputs = []
        for ref in node.get("input", []):
            if ref.startswith("^"):
                continue
            source, index = _source(ref)
            value = values[source]
            if isinstance(value, (list, tuple)):
                value = value[index]
            elif index:
                raise BridgeError("UNSUPPORTED_OP", f"node {name!r} reads output {index} of {source!r}; the bridge rebuilds "
                                  f"only its first output", {"op": op, "node": name, "input": ref})
            inputs.append(value)
        try:
            values[name] = OPS[op](node, *inputs)
        except (ValueError, TypeError, IndexError) as error:
            raise BridgeError("UNSUPPORTED_OP", f"node {name!r} ({op}) cannot be rebuilt: {error}",
                              {"op": op, "node": name, "fusedOps": attr(node, "fused_ops")}) from None
    return values[output]
