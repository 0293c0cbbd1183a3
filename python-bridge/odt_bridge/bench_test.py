import json

import numpy as np

from odt_bridge.bench import run_bench_interpreter, run_bench_keras


def test_interpreter_figures(converted, tmp_path):
    result = run_bench_interpreter({"convertDir": str(converted["outDir"]), "contractPath": str(converted["contractPath"]),
                                    "repeats": 3, "outPath": str(tmp_path / "bench.json")})
    model = result["models"]["model.tflite"]
    assert model["infer"]["batch"] == 32 and model["infer"]["medianMs"] > 0
    assert model["trainStep"]["batch"] == 4 and model["trainStep"]["medianMs"] > 0
    assert model["save"]["medianMs"] > 0 and model["restore"]["medianMs"] > 0
    assert "model-flex.tflite" in result["models"] and "model-inference.tflite" in result["models"]
    assert result["conversionWallMs"]["builtinConvertMs"] > 0
    assert json.loads((tmp_path / "bench.json").read_text())["models"]["model.tflite"]["bytes"] == model["bytes"]


def test_keras_training_throughput(tmp_path):
    config = {
        "name": "bench-fixture", "inputShape": [8, 8, 1], "labels": ["a", "b", "c"],
        "architecture": {"base": [{"type": "conv2d", "filters": 2, "kernelSize": 3}, {"type": "maxPooling2d", "poolSize": 2},
                                  {"type": "flatten"}, {"type": "dropout", "rate": 0.1}],
                         "head": [{"type": "dense", "units": 6, "activation": "relu"}, {"type": "dense", "units": 3, "activation": "softmax"}]},
        "optimizer": {"type": "adam", "learningRate": 0.01}, "epochs": 2, "batchSize": 16, "seed": 1,
    }
    rng = np.random.default_rng(0)
    (tmp_path / "config.json").write_text(json.dumps(config))
    (tmp_path / "x.f32").write_bytes(rng.random([64, 8, 8, 1], dtype=np.float32).astype("<f4").tobytes())
    (tmp_path / "labels.json").write_text(json.dumps([int(v) for v in rng.integers(0, 3, 64)]))
    result = run_bench_keras({"modelConfigPath": str(tmp_path / "config.json"), "xPath": str(tmp_path / "x.f32"),
                              "labelsPath": str(tmp_path / "labels.json")})
    assert result["samples"] == 64 and result["epochs"] == 2 and len(result["epochMs"]) == 2
    assert result["samplesPerSecond"] > 0 and result["samplesPerSecondExcludingFirstEpoch"] > 0
