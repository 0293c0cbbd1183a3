/**
 * Every failure a user can cause or meet has a code, a documented exit status and help text.
 * Ranges: 10-19 input and configuration, 20-29 environment, 30-39 training, conversion and
 * verification, 40-49 registry and pulling, 50-59 remote publishing, 60-69 update security
 * (signed channel documents: rollback, freeze and mix-and-match), 70 internal bug.
 * README "Exit codes" lists the same ranges (and a test checks every code has help).
 */
export const EXIT_CODES = {
  CONFIG_INVALID: { exit: 10, help: 'Fix the named field in the config file (see README "Configuration").' },
  DATASET_NOT_FOUND: { exit: 11, help: 'Check the dataset path in the config; paths are relative to the config file.' },
  DATASET_CORRUPT: { exit: 12, help: 'The dataset file is truncated or not in the expected format; re-download or re-export it.' },
  DATASET_MISMATCH: { exit: 13, help: 'The data does not fit the config (image size, label count); align inputShape/labels with the data.' },
  USAGE: { exit: 14, help: 'Run the command with --help to see the accepted options.' },
  OUTPUT_NOT_WRITABLE: { exit: 15, help: 'Pass --out a folder on a writable disk with room for the outputs (the message says how much).' },
  DESTINATION_NOT_WRITABLE: { exit: 18, help: 'Pick a --dest on a writable disk with room for the model (the message says how much).' },
  DESTINATION_IN_USE: { exit: 19, help: 'Pick an empty or new --dest; pass --force to replace foreign content (never allowed inside a registry).' },
  PYTHON_VERSION: { exit: 20, help: 'Install the Python version named in python-bridge/.python-version and put it on PATH as python3.11.' },
  TOOLCHAIN_MISSING: { exit: 21, help: 'Install a C++ toolchain (Debian/Ubuntu: apt-get install build-essential python3) and Node.js headers.' },
  PROVISION_FAILED: { exit: 22, help: 'Run `npx nx run provision:provision --verbose`; see README "Troubleshooting".' },
  NATIVE_BACKEND: { exit: 23, help: 'The tfjs-node native addon did not load; run `npx nx run provision:provision` again.' },
  TRAINING_DIVERGED: { exit: 30, help: 'Loss became NaN/Inf: lower the learning rate or check the data for NaN values.' },
  ARTIFACTS_INVALID: { exit: 31, help: 'Re-run the previous stage (e.g. `npx nx run model:train --skip-nx-cache`).' },
  UNSUPPORTED_LAYER: { exit: 32, help: 'Use only the supported layer types listed in the message.' },
  CONTRACT_MISMATCH: { exit: 33, help: 'The model does not match its signature contract; re-run `model:train` so both are written together.' },
  CONVERSION_FAILED: { exit: 34, help: 'The TFLite converter failed; the message carries its output.' },
  VERIFICATION_FAILED: { exit: 35, help: 'The converted model failed a check in verify-report.json; it will not be published.' },
  UNSUPPORTED_OP: { exit: 36, help: "The pretrained base uses an op outside the bridge's TFLite-builtin allowlist (the message names the op, the node and the allowlist); use a base built from supported ops." },
  BASE_INVALID: { exit: 37, help: 'The pretrained base is unusable as configured (missing file, unknown featureOutput, bad preprocessing, quantised weights); the message names the problem and the candidates.' },
  REGISTRY_CORRUPT: { exit: 40, help: 'The registry index or a version folder is damaged; see libs/registry/README.md "Recovery".' },
  REGISTRY_NOT_WRITABLE: { exit: 41, help: 'Make the registry folder writable or point MODEL_REGISTRY at another one.' },
  VERSION_CONFLICT: { exit: 42, help: 'Versions only move forward; pick a version above the latest published one.' },
  INTEGRITY_FAILED: { exit: 43, help: 'A file does not match its sha256 in the manifest; the artifact was altered in transit or storage.' },
  SIGNATURE_INVALID: { exit: 44, help: 'The manifest signature is missing or made with another key; check MODEL_SIGNING_PUBLIC_KEY.' },
  NOT_FOUND: { exit: 45, help: 'No such channel or version; `npx nx run model:pull -- --list` shows what exists.' },
  VERSION_RANGE_INVALID: { exit: 46, help: 'Use a semver range such as ^1.2.0, ~1.2, 1.x or an exact 1.2.3.' },
  NOT_VERIFIED: { exit: 47, help: 'Run `npx nx run model:verify`; publish only takes a model whose verification passed.' },
  REGISTRY_LOCKED: { exit: 48, help: 'Another publisher holds the registry lock; wait for it, or remove registry/.lock (rm -r) if its holder is gone.' },
  SIGNING_KEY_MISSING: { exit: 49, help: 'Set MODEL_SIGNING_KEY(_FILE) to sign, or MODEL_SIGNING_PUBLIC_KEY(_FILE) to verify (libs/registry/README.md "Signing keys").' },
  CREDENTIALS: { exit: 50, help: 'Set GOOGLE_APPLICATION_CREDENTIALS to a service-account JSON file (see README "Publishing to Firebase").' },
  REMOTE_REJECTED: { exit: 51, help: 'The remote service refused the request; the message carries its answer.' },
  REMOTE_UNAVAILABLE: { exit: 52, help: 'The remote service kept failing after retries; re-run later, the publish resumes where it stopped.' },
  MODEL_TOO_LARGE: { exit: 53, help: 'The model exceeds the target size limit; quantise or shrink the head.' },
  CHANNEL_ROLLBACK: { exit: 60, help: 'The channel document is older than one already seen, or reuses its sequence for another manifest (rollback or equivocation); do not trust this source.' },
  CHANNEL_EXPIRED: { exit: 61, help: 'The channel document has expired (a frozen mirror, or a publisher that stopped refreshing); the publisher re-signs it with promote or refresh.' },
  MIX_AND_MATCH: { exit: 62, help: 'A manifest or file does not belong to the version the signed channel document names; the source mixes versions, pull again from a clean one.' },
  INTERNAL: { exit: 70, help: 'This is a bug; re-run with ODT_DEBUG=1 and report the stack trace.' },
} as const satisfies Record<string, { exit: number; help: string }>;

export type ErrorCode = keyof typeof EXIT_CODES;
