"""Validates JSON documents against the JSON Schema 2020-12 files of libs/contract/schemas with the
independent `jsonschema` validator. Runs in the reference env (python-bridge/.venv-signing, its own
hash-locked requirements), not in the TensorFlow env, so the bridge's lock stays as it is.

stdin: {"checks": [{"name": str, "schema": path, "document": path | null, "inline": any}]}
stdout: {"results": [{"name": str, "errors": [str, ...]}]}  (one entry per check, in order)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from jsonschema import Draft202012Validator


def _problems(schema_path: str, document: object) -> list[str]:
    schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    validator = Draft202012Validator(schema)
    return sorted(f"{'/'.join(map(str, error.absolute_path)) or '(root)'}: {error.message}" for error in validator.iter_errors(document))


def main() -> None:
    request = json.load(sys.stdin)
    results = []
    for check in request["checks"]:
        document = json.loads(Path(check["document"]).read_text(encoding="utf-8")) if check.get("document") else check["inline"]
        results.append({"name": check["name"], "errors": _problems(check["schema"], document)})
    json.dump({"results": results}, sys.stdout)


if __name__ == "__main__":
    main()
