"""Every name that crosses a process or file boundary, in one place.

File names, JSON keys and exit statuses mirror the TypeScript side (libs/contract,
libs/cli-kit/src/exit-codes.ts); a drift between the two is a bug, so keep them here only.
"""

# Interpreter the bridge is pinned to (python-bridge/.python-version).
REQUIRED_PYTHON = (3, 11)

# Exit statuses, mirroring EXIT_CODES in libs/cli-kit/src/exit-codes.ts (same names, same numbers).
EXIT_CODES = {
    "CONFIG_INVALID": 10,
    "USAGE": 14,
    "PYTHON_VERSION": 20,
    "ARTIFACTS_INVALID": 31,
    "UNSUPPORTED_LAYER": 32,
    "CONTRACT_MISMATCH": 33,
    "CONVERSION_FAILED": 34,
    "VERIFICATION_FAILED": 35,
    "UNSUPPORTED_OP": 36,
    "BASE_INVALID": 37,
    "INTERNAL": 70,
}

# Default suggestion per code, the same help text as the TypeScript table.
EXIT_HELP = {
    "CONFIG_INVALID": "Fix the named field in the config file (see README \"Configuration\").",
    "USAGE": "Run the command with --help to see the accepted options.",
    "PYTHON_VERSION": "Install the Python version named in python-bridge/.python-version and put it on PATH as python3.11.",
    "ARTIFACTS_INVALID": "Re-run the previous stage (e.g. `npx nx run model:train --skip-nx-cache`).",
    "UNSUPPORTED_LAYER": "Use only the supported layer types listed in the message.",
    "CONTRACT_MISMATCH": "The model does not match its signature contract; re-run `model:train` so both are written together.",
    "CONVERSION_FAILED": "The TFLite converter failed; the message carries its output.",
    "VERIFICATION_FAILED": "The converted model failed a check in verify-report.json; it will not be published.",
    "UNSUPPORTED_OP": "The pretrained base uses an op outside the bridge's TFLite-builtin allowlist (the message names the op, the node and the allowlist); use a base built from supported ops.",
    "BASE_INVALID": "The pretrained base is unusable as configured (missing file, unknown featureOutput, bad preprocessing, quantised weights); the message names the problem and the candidates.",
    "INTERNAL": "This is a bug; re-run with ODT_DEBUG=1 and report the stack trace.",
}

COMMANDS = ("convert", "verify", "op-report", "export-saved-model", "bench-interpreter", "bench-keras", "bench-pretrained", "env")

# tfjs layers artifacts (written by tfjs-node `model.save('file://...')`).
TFJS_MODEL_JSON = "model.json"
TFJS_FORMAT = "layers-model"
TFJS_DTYPE = "float32"

# Keras class names the loader accepts; exactly the layer types of libs/contract/src/model-config.ts.
SUPPORTED_LAYER_CLASSES = ("InputLayer", "Conv2D", "MaxPooling2D", "Flatten", "Dense", "Dropout")
# Activations the model config allows (ACTIVATIONS in model-config.ts).
SUPPORTED_ACTIVATIONS = ("relu", "linear", "softmax", "sigmoid", "tanh")
# Head activations the hand-written backward pass covers (HEAD_ACTIVATIONS in signature-contract.ts).
HEAD_ACTIVATIONS = ("relu", "linear", "softmax")

# Held-out samples written by model:train (out/model/train/heldout/).
HELDOUT_JSON = "heldout.json"

# Stage outputs (out/model/convert/ and out/model/verify/).
MODEL_TFLITE = "model.tflite"
MODEL_INFERENCE_TFLITE = "model-inference.tflite"
MODEL_FLEX_TFLITE = "model-flex.tflite"
OP_REPORT_JSON = "op-report.json"
CONVERT_RESULT_JSON = "convert-result.json"
VERIFY_REPORT_JSON = "verify-report.json"
SAVED_MODEL_DIR = "saved_model"

# Signature names and tensor names of the contract (SIGNATURE_NAMES in signature-contract.ts).
SIG_TRAIN = "train"
SIG_INFER = "infer"
SIG_SAVE = "save"
SIG_RESTORE = "restore"
SIGNATURE_NAMES = (SIG_TRAIN, SIG_INFER, SIG_SAVE, SIG_RESTORE)
# A pretrained base adds `features` (image -> embedding); `train` then takes embeddings.
SIG_FEATURES = "features"
PRETRAINED_SIGNATURE_NAMES = (*SIGNATURE_NAMES, SIG_FEATURES)
TRAIN_INPUT_EMBEDDING = "embedding"

# Pretrained base formats (architecture.base.pretrained in the model config).
BASE_GRAPH_MODEL = "tfjs-graph-model"
BASE_SAVED_MODEL = "saved-model"
BASE_KERAS = "keras"
BASE_FORMATS = (BASE_GRAPH_MODEL, BASE_SAVED_MODEL, BASE_KERAS)
TFJS_GRAPH_FORMAT = "graph-model"
# The train stage copies the base files here (next to tfjs/), so convert depends only on train outputs.
BASE_DIR = "base"
# The Flex flavour's save/restore take this string input, as in TensorFlow's on-device training guide.
CHECKPOINT_PATH_INPUT = "checkpoint_path"

# Flavours a convert request may ask for.
FLAVOUR_BUILTIN = "builtin"
FLAVOUR_FLEX = "flex"
FLAVOURS = (FLAVOUR_BUILTIN, FLAVOUR_FLEX)
QUANTIZE_DYNAMIC_RANGE = "dynamic-range"
QUANTIZE_FLOAT16 = "float16"
QUANTIZE_MODES = (QUANTIZE_DYNAMIC_RANGE, QUANTIZE_FLOAT16, "none")

# Prefix of custom op names that need the Flex (select TF ops) delegate.
FLEX_OP_PREFIX = "Flex"

# Verification thresholds (issue 4 acceptance).
PARITY_MIN_SAMPLES = 256
PARITY_MAX_ABS_DIFF = 1e-4
RESUME_TOLERANCE = 1e-6
DEFAULT_VERIFY_STEPS = 20

SCHEMA_VERSION = 1
