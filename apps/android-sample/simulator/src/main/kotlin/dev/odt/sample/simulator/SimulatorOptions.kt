package dev.odt.sample.simulator

import java.io.File

/**
 * The simulator's command line: `--registry <http(s) URL | gs://bucket/prefix> --channel <name>
 * [--state DIR] [--public-key PEM] [--model digits] [--contract FILE] [--major 1] [--chunks 8]
 * [--steps 20] [--seed 1] [--interrupt 0.3] [--worker-steps N] [--firebase-ml ENDPOINT/PROJECT/MODEL]`.
 * `--k v` and `--k=v` both work (Nx forwards either).
 */
data class SimulatorOptions(
    val registry: String,
    val channel: String,
    val stateDir: File,
    val publicKeyFile: File,
    val model: String,
    val contractFile: File,
    val supportedMajor: Int,
    val chunks: Int,
    val stepsPerChunk: Int,
    val seed: Long,
    val interruptProbability: Double,
    /** Personalisation steps (chunks, comparisons, switches) in this run; 0 = until idle. Like a worker run that ran out of time. */
    val workerSteps: Int,
    /** `http://host:port/project/modelId`: follow Firebase ML (REST) instead of the channel; the registry supplies manifests. */
    val firebaseMl: String?,
    val repoRoot: File,
) {
    companion object {
        /** Usage text printed on a bad command line. */
        const val USAGE = "usage: simulate --registry <http(s)://... | gs://bucket/prefix> --channel <stable|canary|latest> " +
            "[--state DIR] [--public-key PEM (or MODEL_SIGNING_PUBLIC_KEY_FILE)] [--model digits] [--contract FILE] [--major 1] " +
            "[--chunks 8] [--steps 20] [--seed 1] [--interrupt 0.3] [--worker-steps 0] [--firebase-ml https://firebaseml.googleapis.com/PROJECT/MODEL (an ID or a display name)]"

        /** Parses [args]; relative paths start at [cwd] (the workspace root under Nx). */
        fun parse(args: List<String>, env: Map<String, String>, cwd: File, repoRoot: File): SimulatorOptions {
            val values = HashMap<String, String>()
            var i = 0
            while (i < args.size) {
                val arg = args[i]
                require(arg.startsWith("--")) { "unexpected argument $arg\n$USAGE" }
                if ('=' in arg) {
                    values[arg.substring(2).substringBefore('=')] = arg.substringAfter('=')
                } else {
                    require(i + 1 < args.size) { "$arg needs a value\n$USAGE" }
                    values[arg.substring(2)] = args[++i]
                }
                i++
            }
            val known = setOf("registry", "channel", "state", "public-key", "model", "contract", "major", "chunks", "steps", "seed", "interrupt", "worker-steps", "firebase-ml")
            (values.keys - known).firstOrNull()?.let { throw IllegalArgumentException("unknown option --$it\n$USAGE") }
            fun file(path: String) = File(path).let { if (it.isAbsolute) it else File(cwd, path) }
            val registry = values["registry"] ?: throw IllegalArgumentException("--registry is required\n$USAGE")
            val channel = values["channel"] ?: throw IllegalArgumentException("--channel is required\n$USAGE")
            val key = values["public-key"] ?: env["MODEL_SIGNING_PUBLIC_KEY_FILE"]?.takeIf { it.isNotBlank() }
                ?: throw IllegalArgumentException("--public-key (or MODEL_SIGNING_PUBLIC_KEY_FILE) is required: the simulator trusts only the key it is given\n$USAGE")
            return SimulatorOptions(
                registry = registry,
                channel = channel,
                stateDir = file(values["state"] ?: "out/simulator/device"),
                publicKeyFile = file(key),
                model = values["model"] ?: "digits",
                contractFile = file(values["contract"] ?: "out/model/version/contract.json"),
                supportedMajor = values["major"]?.toInt() ?: 1,
                chunks = values["chunks"]?.toInt() ?: 8,
                stepsPerChunk = values["steps"]?.toInt() ?: 20,
                seed = values["seed"]?.toLong() ?: 1L,
                interruptProbability = values["interrupt"]?.toDouble() ?: 0.3,
                workerSteps = values["worker-steps"]?.toInt()?.also { require(it >= 0) { "--worker-steps must be >= 0\n$USAGE" } } ?: 0,
                firebaseMl = values["firebase-ml"],
                repoRoot = repoRoot,
            )
        }
    }
}
