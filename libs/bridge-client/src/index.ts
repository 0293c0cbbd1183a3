// Public API of @odt/bridge-client: the only way TypeScript talks to the pinned Python bridge.
export { callBridge, type BridgeCommand, type BridgeOptions } from './call-bridge.ts';
