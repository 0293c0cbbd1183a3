"""The weights of a tfjs model.json (layers or graph format): `weightsManifest` groups whose shard
files, concatenated, hold each listed weight in order as raw little-endian values. One reader for
both loaders, so a truncated, oversized, escaping or quantised shard is refused the same way."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np

from .errors import BridgeError


def read_weight_groups(model_dir: Path, manifest: Any, dtypes: dict[str, str], invalid: Callable[..., BridgeError],
                       what: str = "model.json") -> dict[str, np.ndarray]:
    """{weight name: array} from every group; `dtypes` maps the accepted tfjs dtypes to numpy ones
    (4 bytes each); `invalid(message, **context)` builds the caller's error."""
    if not isinstance(manifest, list) or not manifest:
        raise invalid(f"{what} has no weightsManifest list", path=str(model_dir))
    values: dict[str, np.ndarray] = {}
    root = model_dir.resolve()
    for index, group in enumerate(manifest):
        paths, specs = (group or {}).get("paths"), (group or {}).get("weights")
        if not isinstance(paths, list) or not isinstance(specs, list):
            raise invalid(f"weightsManifest[{index}] needs 'paths' and 'weights' lists")
        chunks = []
        for rel in paths:
            shard = (model_dir / str(rel)).resolve()
            if root not in shard.parents:
                raise invalid("a weights path points outside the model folder", path=str(rel))
            try:
                chunks.append(shard.read_bytes())
            except OSError:
                raise invalid(f"a weights file listed in {what} is missing or unreadable", path=str(shard)) from None
        data, offset = b"".join(chunks), 0
        for spec in specs:
            name, shape, dtype = spec.get("name"), spec.get("shape"), spec.get("dtype", "float32")
            if not isinstance(name, str) or not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
                raise invalid("a weightsManifest entry has no valid name/shape", entry=spec)
            if spec.get("quantization") is not None:
                raise invalid(f"weight {name} is quantised ({(spec['quantization'] or {}).get('dtype')}); only unquantised "
                              f"{'/'.join(dtypes)} weights are read: re-export the model without --quantize_*", weight=name)
            if dtype not in dtypes:
                raise invalid(f"weight {name} has dtype {dtype}; supported: {', '.join(dtypes)}", weight=name)
            if name in values:
                raise invalid(f"weight {name} is listed twice", weight=name)
            size = int(np.prod(shape)) * 4
            if offset + size > len(data):
                raise invalid(f"weight data is truncated: {name} needs bytes {offset}..{offset + size} but the shards hold {len(data)}",
                              weight=name, paths=paths)
            values[name] = np.frombuffer(data, dtype=dtypes[dtype], count=size // 4, offset=offset).reshape(shape).copy()
            offset += size
        if offset != len(data):
            raise invalid(f"weight shards hold {len(data)} bytes but the manifest describes {offset}; the files do not match {what}",
                          paths=paths)
    return values
