// Public API of @odt/provision: where the pinned toolchains live, for stages that run them.
export { VENV_PYTHON, BRIDGE_DIR, WORKSPACE_ROOT, MODEL_SIGNING_CLI, SIGNING_VENV_DIR } from './workspace-paths.ts';
export { findTensorflowWheel } from './tfjs-native.ts';
export { signingEnvProblem } from './signing-env.ts';
