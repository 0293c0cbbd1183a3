package dev.odt.sample.litert

import java.io.File
import java.lang.foreign.Arena
import java.lang.foreign.FunctionDescriptor
import java.lang.foreign.Linker
import java.lang.foreign.MemoryLayout
import java.lang.foreign.SymbolLookup
import java.lang.foreign.ValueLayout.ADDRESS
import java.lang.foreign.ValueLayout.JAVA_INT
import java.lang.foreign.ValueLayout.JAVA_LONG
import java.lang.invoke.MethodHandle

/** A LiteRT C call that returned a status other than kLiteRtStatusOk. */
class LiteRtException(val function: String, val status: Int) : RuntimeException("$function failed with LiteRT status $status")

/**
 * The LiteRT C API of libLiteRt.so (the CompiledModel API, `LiteRt*` symbols; the library exports no
 * classic `TfLite*` C API), bound through Java's FFM API. Signatures follow the 2.x headers
 * (litert_model.h, litert_compiled_model.h, litert_tensor_buffer.h); LiteRtCreateModelFromFile
 * takes the environment first in this release (checked against the exported code).
 */
class LiteRtLibrary private constructor(lookup: SymbolLookup) {
    private val linker = Linker.nativeLinker()
    private val symbols = lookup

    private fun bind(name: String, vararg args: MemoryLayout): MethodHandle =
        linker.downcallHandle(symbols.find(name).orElseThrow { IllegalStateException("libLiteRt.so has no $name") }, FunctionDescriptor.of(JAVA_INT, *args))

    private fun bindVoid(name: String, vararg args: MemoryLayout): MethodHandle =
        linker.downcallHandle(symbols.find(name).orElseThrow { IllegalStateException("libLiteRt.so has no $name") }, FunctionDescriptor.ofVoid(*args))

    internal val createEnvironment = bind("LiteRtCreateEnvironment", JAVA_INT, ADDRESS, ADDRESS)
    internal val destroyEnvironment = bindVoid("LiteRtDestroyEnvironment", ADDRESS)
    internal val createModelFromFile = bind("LiteRtCreateModelFromFile", ADDRESS, ADDRESS, ADDRESS)
    internal val destroyModel = bindVoid("LiteRtDestroyModel", ADDRESS)
    internal val createOptions = bind("LiteRtCreateOptions", ADDRESS)
    internal val destroyOptions = bindVoid("LiteRtDestroyOptions", ADDRESS)
    internal val setHardwareAccelerators = bind("LiteRtSetOptionsHardwareAccelerators", ADDRESS, JAVA_INT)
    internal val createCompiledModel = bind("LiteRtCreateCompiledModel", ADDRESS, ADDRESS, ADDRESS, ADDRESS)
    internal val destroyCompiledModel = bindVoid("LiteRtDestroyCompiledModel", ADDRESS)
    internal val numSignatures = bind("LiteRtGetNumModelSignatures", ADDRESS, ADDRESS)
    internal val modelSignature = bind("LiteRtGetModelSignature", ADDRESS, JAVA_LONG, ADDRESS)
    internal val signatureKey = bind("LiteRtGetSignatureKey", ADDRESS, ADDRESS)
    internal val numInputs = bind("LiteRtGetNumSignatureInputs", ADDRESS, ADDRESS)
    internal val numOutputs = bind("LiteRtGetNumSignatureOutputs", ADDRESS, ADDRESS)
    internal val inputName = bind("LiteRtGetSignatureInputName", ADDRESS, JAVA_LONG, ADDRESS)
    internal val outputName = bind("LiteRtGetSignatureOutputName", ADDRESS, JAVA_LONG, ADDRESS)
    internal val inputTensor = bind("LiteRtGetSignatureInputTensorByIndex", ADDRESS, JAVA_LONG, ADDRESS)
    internal val outputTensor = bind("LiteRtGetSignatureOutputTensorByIndex", ADDRESS, JAVA_LONG, ADDRESS)
    internal val rankedTensorType = bind("LiteRtGetRankedTensorType", ADDRESS, ADDRESS)
    internal val inputRequirements = bind("LiteRtGetCompiledModelInputBufferRequirements", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS)
    internal val outputRequirements = bind("LiteRtGetCompiledModelOutputBufferRequirements", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS)
    internal val requirementsSize = bind("LiteRtGetTensorBufferRequirementsBufferSize", ADDRESS, ADDRESS)
    internal val createBufferFromRequirements = bind("LiteRtCreateManagedTensorBufferFromRequirements", ADDRESS, ADDRESS, ADDRESS, ADDRESS)
    internal val destroyBuffer = bindVoid("LiteRtDestroyTensorBuffer", ADDRESS)
    internal val lockBuffer = bind("LiteRtLockTensorBuffer", ADDRESS, ADDRESS, JAVA_INT)
    internal val unlockBuffer = bind("LiteRtUnlockTensorBuffer", ADDRESS)
    internal val runCompiledModel = bind("LiteRtRunCompiledModel", ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS)

    internal fun check(function: String, status: Any?) {
        if (status as Int != 0) throw LiteRtException(function, status)
    }

    companion object {
        /** System property naming libLiteRt.so; the test harness sets it. */
        const val PROPERTY = "odt.litert.lib"
        const val ENV = "ODT_LITERT_LIB"
        private val loaded = HashMap<String, LiteRtLibrary>()

        /** The library at [file], loaded once per process (the global arena keeps it mapped). */
        @Synchronized
        fun load(file: File): LiteRtLibrary {
            require(file.isFile) { "libLiteRt.so not found at $file" }
            return loaded.getOrPut(file.canonicalPath) { LiteRtLibrary(SymbolLookup.libraryLookup(file.toPath(), Arena.global())) }
        }

        /**
         * Where libLiteRt.so is: the [PROPERTY] system property, else the [ENV] variable, else the
         * ai-edge-litert wheel inside the pinned Python bridge's virtualenv under [repoRoot].
         */
        fun locate(repoRoot: File?): File {
            System.getProperty(PROPERTY)?.takeIf { it.isNotBlank() }?.let { return File(it) }
            System.getenv(ENV)?.takeIf { it.isNotBlank() }?.let { return File(it) }
            val lib = repoRoot?.let { File(it, "python-bridge/.venv/lib") }
            val candidates = lib?.listFiles()?.map { File(it, "site-packages/ai_edge_litert/libLiteRt.so") }.orEmpty()
            return candidates.firstOrNull { it.isFile }
                ?: throw IllegalStateException(
                    "libLiteRt.so not found: set -D$PROPERTY or $ENV, or install the Python bridge (ai-edge-litert) under ${lib ?: "<repo>/python-bridge/.venv/lib"}",
                )
        }
    }
}
