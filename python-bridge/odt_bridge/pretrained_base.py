"""A pretrained base (architecture.base.pretrained): loaded from a tfjs graph model, a SavedModel or a
Keras file, checked against the op allowlist, and rebuilt as constants behind the preprocessing the
pipeline bakes into every image-taking signature:

    p = x * 255 ; p = p[..., [2, 1, 0]] if channelOrder == "bgr" ; e = base((p * scale - mean) / std)

tfjs-node on the server applies the same float32 arithmetic in the same order. SavedModel and Keras
bases are frozen to a GraphDef first, so all three formats go through one allowlist and one rebuild.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .constants import BASE_FORMATS, BASE_GRAPH_MODEL, BASE_KERAS, BASE_SAVED_MODEL
from .errors import BridgeError
from .graph_model_loader import GraphModel, build, from_graph_def, graph_model_files, input_node, load_graph_model, model_json_path
from .tf_setup import tf

KERAS_SUFFIXES = (".keras", ".h5")


def _invalid(message: str, **context: Any) -> BridgeError:
    return BridgeError("BASE_INVALID", message, context)


def check_preprocessing(pre: Any, channels: int) -> dict[str, Any]:
    """scale, mean[C], std[C] (non-zero), channelOrder rgb|bgr; returns it with the default filled."""
    if not isinstance(pre, dict):
        raise _invalid("base.preprocessing must be an object {scale, mean, std, channelOrder}")
    scale, mean, std = pre.get("scale"), pre.get("mean"), pre.get("std")
    order = pre.get("channelOrder", "rgb")
    if not isinstance(scale, (int, float)) or isinstance(scale, bool) or not np.isfinite(scale):
        raise _invalid(f"base.preprocessing.scale must be a finite number, got {scale!r}")
    for key, values in (("mean", mean), ("std", std)):
        if not isinstance(values, list) or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            raise _invalid(f"base.preprocessing.{key} must be a list of numbers, got {values!r}")
        if len(values) != channels:
            raise _invalid(f"base.preprocessing.{key} has {len(values)} values but the input has {channels} channels; "
                           f"give one per channel", field=key, length=len(values), channels=channels)
    if any(v == 0 for v in std):
        raise _invalid("base.preprocessing.std must not contain 0", std=std)
    if order not in ("rgb", "bgr") or (order == "bgr" and channels != 3):
        raise _invalid(f"base.preprocessing.channelOrder must be \"rgb\" or \"bgr\" (bgr needs 3 channels), got {order!r}")
    return {"scale": scale, "mean": list(mean), "std": list(std), "channelOrder": order}


def preprocess(x: tf.Tensor, pre: dict[str, Any]) -> tf.Tensor:
    """x in [0,1] -> the base's input, builtin ops only (MUL, GATHER, SUB, DIV)."""
    p = x * 255.0
    if pre["channelOrder"] == "bgr":
        p = tf.gather(p, [2, 1, 0], axis=-1)
    mean = tf.constant(np.asarray(pre["mean"], np.float32))
    std = tf.constant(np.asarray(pre["std"], np.float32))
    return (p * float(pre["scale"]) - mean) / std


def preprocess_numpy(x: np.ndarray, pre: dict[str, Any]) -> np.ndarray:
    """The same arithmetic in float32 NumPy (for references and the benchmark)."""
    p = x.astype(np.float32) * np.float32(255.0)
    if pre["channelOrder"] == "bgr":
        p = p[..., [2, 1, 0]]
    return (p * np.float32(pre["scale"]) - np.asarray(pre["mean"], np.float32)) / np.asarray(pre["std"], np.float32)


def _file_sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def base_files(fmt: str, path: Path) -> tuple[Path, list[str]]:
    """(root, relative posix paths) of the files that make a base, as libs/contract hashes them."""
    path = Path(path)
    if fmt == BASE_GRAPH_MODEL:
        return model_json_path(path).parent, graph_model_files(path)
    if fmt == BASE_SAVED_MODEL:
        if not path.is_dir():
            raise _invalid("the saved-model base must be a folder", path=str(path))
        return path, sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    return path.parent, [path.name]


def base_sha256(fmt: str, path: Path) -> str:
    """sha256 of canonical JSON [{path, sha256}] sorted by path (mirrors the TypeScript side)."""
    root, files = base_files(fmt, path)
    entries = []
    for rel in sorted(files):
        try:
            entries.append({"path": rel, "sha256": _file_sha(root / rel)})
        except OSError:
            raise _invalid(f"base file {rel} is missing or unreadable", path=str(root / rel)) from None
    text = json.dumps(entries, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def find_base_path(fmt: str, base_dir: Path) -> Path:
    """Where the base sits inside train's base/ copy: graph model folder, SavedModel folder, or the one Keras file."""
    base_dir = Path(base_dir)
    if not base_dir.is_dir():
        raise BridgeError("ARTIFACTS_INVALID", "the train output has no base/ folder (the copy of the pretrained base)",
                          {"baseDir": str(base_dir)})
    if fmt != BASE_KERAS:
        return base_dir
    files = sorted(p for p in base_dir.iterdir() if p.suffix in KERAS_SUFFIXES)
    if len(files) != 1:
        raise _invalid(f"base/ must hold exactly one .keras or .h5 file, found {len(files)}", baseDir=str(base_dir))
    return files[0]


def _freeze(concrete: Any) -> tuple[dict[str, str], Any]:
    """Variables -> constants; returns ({output key: node name}, GraphDef). nest.flatten orders a
    dict's keys sorted, the same order as the frozen function's outputs."""
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    frozen = convert_variables_to_constants_v2(concrete)
    keys = sorted(concrete.structured_outputs)
    names = {key: tensor.name.split(":")[0] for key, tensor in zip(keys, frozen.outputs)}
    return names, frozen.graph.as_graph_def()


def _load_saved_model(path: Path, feature_output: str | None) -> tuple[GraphModel, str]:
    try:
        loaded = tf.saved_model.load(str(path))
    except Exception as error:
        raise _invalid(f"the SavedModel cannot be loaded: {str(error)[:300]}", path=str(path)) from None
    signature = loaded.signatures.get("serving_default")
    if signature is None:
        raise _invalid("the SavedModel has no serving_default signature", signatures=list(loaded.signatures))
    outputs = sorted(signature.structured_outputs)
    key = feature_output or (outputs[0] if len(outputs) == 1 else None)
    if key not in outputs:
        raise _invalid(f"featureOutput {feature_output!r} is not an output of serving_default; its outputs are: {', '.join(outputs)}",
                       featureOutput=feature_output, candidates=outputs)
    names, graph_def = _freeze(signature)
    model = from_graph_def(graph_def, names)
    model.source = str(path)
    return model, names[key]


def keras_feature_model(path: Path, feature_output: str | None) -> tuple[Any, str]:
    """The Keras base cut at its feature output: (keras.Model, the layer name that output comes from).
    Without featureOutput the model's single output, named by its last layer, so the name recorded
    in the contract loads the same cut again."""
    import keras

    try:
        model = keras.models.load_model(str(path), compile=False)
    except Exception as error:
        raise _invalid(f"the Keras base cannot be loaded: {str(error)[:300]}", path=str(path)) from None
    names = [layer.name for layer in model.layers]
    if not feature_output:
        if len(model.outputs) != 1 or model.layers[-1].output is not model.outputs[0]:
            raise _invalid("the Keras base has several outputs; name one layer as featureOutput", candidates=names[-20:])
        feature_output = model.layers[-1].name
    if feature_output not in names:
        raise _invalid(f"featureOutput {feature_output!r} is not a layer of the Keras base; layers: {', '.join(names[-20:])}",
                       featureOutput=feature_output, candidates=names)
    return keras.Model(model.inputs, model.get_layer(feature_output).output), feature_output


def _keras_embedding_function(sub: Any) -> Any:
    spec = tf.TensorSpec([None, *sub.inputs[0].shape[1:]], tf.float32, name="images")
    return tf.function(lambda images: {"embedding": sub(images, training=False)}).get_concrete_function(spec)


def _load_keras(path: Path, feature_output: str | None) -> tuple[GraphModel, str, str]:
    sub, layer = keras_feature_model(path, feature_output)
    names, graph_def = _freeze(_keras_embedding_function(sub))
    graph = from_graph_def(graph_def, names)
    graph.source = str(path)
    return graph, graph.signature_outputs["embedding"], layer


def export_keras_saved_model(request: dict[str, Any]) -> dict[str, Any]:
    """`export-saved-model`: a Keras base as a SavedModel whose serving_default returns
    {"embedding": the feature output}, for tfjs-node (which runs SavedModels, not Keras files) to
    compute the same features the bridge's rebuild of the Keras file gives."""
    from .files import staged_output

    keras_path, out_dir = Path(request["kerasPath"]), Path(request["outDir"])
    sub, layer = keras_feature_model(keras_path, request.get("featureOutput"))
    import keras

    archive = keras.export.ExportArchive()  # tracks every variable, BatchNorm statistics included
    archive.track(sub)
    archive.add_endpoint(name="serving_default", fn=lambda images: {"embedding": sub(images, training=False)},
                         input_signature=[tf.TensorSpec([None, *sub.inputs[0].shape[1:]], tf.float32, name="images")])
    with staged_output(out_dir, "saved_model.pb") as staging:
        archive.write_out(str(staging), verbose=False)
    return {"ok": True, "featureOutput": layer, "outDir": str(out_dir)}


@dataclass
class PretrainedBase:
    """A frozen base ready to be rebuilt: graph, output node, preprocessing, embedding size D."""

    fmt: str
    feature_output: str
    graph: GraphModel
    output_node: str
    preprocessing: dict[str, Any]
    input_shape: list[int]
    embedding_size: int

    def embed(self, x: tf.Tensor) -> tf.Tensor:
        """x in [0,1] NHWC -> embedding [B, D] (call inside a tf.function)."""
        return build(self.graph, self.output_node, preprocess(x, self.preprocessing))

    def embed_numpy(self, x: np.ndarray, batch: int = 64) -> np.ndarray:
        """Eager embeddings of many samples (tests, the benchmark)."""
        fn = tf.function(self.embed, input_signature=[tf.TensorSpec([None, *self.input_shape], tf.float32)])
        return np.concatenate([fn(tf.constant(x[i:i + batch])).numpy() for i in range(0, len(x), batch)], axis=0)


def load_pretrained_base(fmt: str, path: Path, feature_output: str | None, preprocessing: Any,
                         input_shape: list[int]) -> PretrainedBase:
    """Loads the base, checks ops/output/input shape/preprocessing, and measures D."""
    if fmt not in BASE_FORMATS:
        raise _invalid(f"base format {fmt!r} is not one of {', '.join(BASE_FORMATS)}")
    if not Path(path).exists():
        raise _invalid(f"the {fmt} base is missing", path=str(path))
    pre = check_preprocessing(preprocessing, int(input_shape[-1]))
    if fmt == BASE_GRAPH_MODEL:
        graph = load_graph_model(Path(path))
        if not feature_output:
            candidates = graph.output_candidates()
            if len(candidates) != 1:
                raise _invalid(f"the graph model has {len(candidates)} outputs; name one as featureOutput: {', '.join(candidates[:20])}",
                               candidates=candidates[:50])
            feature_output = candidates[0]
        node = feature_output
    elif fmt == BASE_SAVED_MODEL:
        graph, node = _load_saved_model(Path(path), feature_output)
    else:
        graph, node, feature_output = _load_keras(Path(path), feature_output)
    _, shape = input_node(graph, node)  # also checks the op allowlist and the single input
    declared = shape[1:]
    if len(declared) != len(input_shape) or any(d is not None and d != want for d, want in zip(declared, input_shape)):
        raise BridgeError("CONTRACT_MISMATCH", f"the base's input is {shape} but inputShape is {list(input_shape)}",
                          {"base": shape, "inputShape": list(input_shape)})
    base = PretrainedBase(fmt, feature_output or node, graph, node, pre, list(input_shape), 0)
    out = tf.function(base.embed).get_concrete_function(tf.TensorSpec([None, *input_shape], tf.float32)).structured_outputs
    if out.shape.rank != 2 or out.shape[1] is None:
        raise _invalid(f"featureOutput {base.feature_output!r} has shape {out.shape.as_list()}; the head needs a flat "
                       "[batch, D] embedding (pick a pooled or flattened output)", shape=str(out.shape))
    base.embedding_size = int(out.shape[1])
    return base


def load_contract_base(contract: dict[str, Any], base_dir: Path) -> PretrainedBase:
    """The base a pretrained contract describes, from train's base/ copy: its files must hash to
    contract.base.sha256 (the base the head was trained on), then it is loaded and checked."""
    spec = contract["base"]
    path = find_base_path(spec["pretrained"], base_dir)
    digest = base_sha256(spec["pretrained"], path)
    if digest != spec["sha256"]:
        raise BridgeError("CONTRACT_MISMATCH", "the base files in base/ are not the ones the contract was written for "
                          f"(sha256 {digest} != contract base.sha256 {spec['sha256']}); re-run model:train",
                          {"baseDir": str(base_dir), "actual": digest, "expected": spec["sha256"]})
    return load_pretrained_base(spec["pretrained"], path, spec["featureOutput"], spec["preprocessing"], list(contract["inputShape"]))
