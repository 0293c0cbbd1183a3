// Public API of @odt/provision: where the pinned toolchains live, for stages that run them.
export { VENV_PYTHON, BRIDGE_DIR, WORKSPACE_ROOT } from './workspace-paths.ts';
export { findTensorflowWheel } from './tfjs-native.ts';
