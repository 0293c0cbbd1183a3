package dev.odt.sample.litert

import java.io.File
import java.lang.foreign.Arena
import java.lang.foreign.MemorySegment
import java.lang.foreign.ValueLayout.ADDRESS
import java.lang.foreign.ValueLayout.JAVA_FLOAT
import java.lang.foreign.ValueLayout.JAVA_INT
import java.lang.foreign.ValueLayout.JAVA_LONG

/**
 * A .tflite compiled for the CPU by LiteRT, with every signature's tensor buffers created once and
 * reused. Resource variables (the trainable head, optimizer slots) live in the compiled model and
 * are shared by all signatures, exactly like one Interpreter on Android.
 */
class LiteRtCompiledModel(private val lib: LiteRtLibrary, modelFile: File) : AutoCloseable {
    private val arena = Arena.ofShared()
    private val env: MemorySegment
    private val model: MemorySegment
    private val options: MemorySegment
    private val compiled: MemorySegment
    private val buffers = mutableListOf<MemorySegment>()

    /** One signature with its named float buffers. */
    inner class Signature internal constructor(val key: String, private val index: Long, val inputs: List<Tensor>, val outputs: List<Tensor>) {
        private val inputArray = arena.allocate(ADDRESS, inputs.size.toLong()).also { a -> inputs.forEachIndexed { i, t -> a.setAtIndex(ADDRESS, i.toLong(), t.buffer) } }
        private val outputArray = arena.allocate(ADDRESS, outputs.size.toLong()).also { a -> outputs.forEachIndexed { i, t -> a.setAtIndex(ADDRESS, i.toLong(), t.buffer) } }

        fun input(name: String): Tensor = inputs.firstOrNull { it.name == name } ?: throw IllegalArgumentException("signature $key has no input $name (has ${inputs.map { it.name }})")

        fun output(name: String): Tensor = outputs.firstOrNull { it.name == name } ?: throw IllegalArgumentException("signature $key has no output $name (has ${outputs.map { it.name }})")

        /** Runs the signature on whatever the input tensors currently hold. */
        fun run() {
            lib.check("LiteRtRunCompiledModel", lib.runCompiledModel.invokeWithArguments(compiled, index, inputs.size.toLong(), inputArray, outputs.size.toLong(), outputArray))
        }
    }

    /** A float32 tensor buffer of a signature, written and read through a host-memory lock. */
    inner class Tensor internal constructor(val name: String, val dims: List<Int>, internal val buffer: MemorySegment, val byteSize: Long) {
        val floatCount: Int get() = (byteSize / 4).toInt()

        fun write(values: FloatArray, offset: Int = 0) {
            require(values.size - offset >= floatCount) { "tensor $name needs $floatCount floats, got ${values.size - offset}" }
            withHost(MODE_WRITE) { MemorySegment.copy(values, offset, it, JAVA_FLOAT, 0, floatCount) }
        }

        fun read(): FloatArray = FloatArray(floatCount).also { out -> withHost(MODE_READ) { MemorySegment.copy(it, JAVA_FLOAT, 0, out, 0, floatCount) } }

        private inline fun withHost(mode: Int, block: (MemorySegment) -> Unit) {
            val slot = arena.allocate(ADDRESS)
            lib.check("LiteRtLockTensorBuffer", lib.lockBuffer.invokeWithArguments(buffer, slot, mode))
            try {
                block(slot.get(ADDRESS, 0).reinterpret(byteSize))
            } finally {
                lib.check("LiteRtUnlockTensorBuffer", lib.unlockBuffer.invokeWithArguments(buffer))
            }
        }
    }

    val signatures: Map<String, Signature>

    init {
        val out = arena.allocate(ADDRESS)
        lib.check("LiteRtCreateEnvironment", lib.createEnvironment.invokeWithArguments(0, MemorySegment.NULL, out))
        env = out.get(ADDRESS, 0)
        lib.check("LiteRtCreateModelFromFile", lib.createModelFromFile.invokeWithArguments(env, arena.allocateFrom(modelFile.absolutePath), out))
        model = out.get(ADDRESS, 0)
        lib.check("LiteRtCreateOptions", lib.createOptions.invokeWithArguments(out))
        options = out.get(ADDRESS, 0)
        lib.check("LiteRtSetOptionsHardwareAccelerators", lib.setHardwareAccelerators.invokeWithArguments(options, HW_CPU))
        lib.check("LiteRtCreateCompiledModel", lib.createCompiledModel.invokeWithArguments(env, model, options, out))
        compiled = out.get(ADDRESS, 0)
        signatures = readSignatures()
    }

    private fun readSignatures(): Map<String, Signature> {
        val count = arena.allocate(JAVA_LONG)
        val out = arena.allocate(ADDRESS)
        lib.check("LiteRtGetNumModelSignatures", lib.numSignatures.invokeWithArguments(model, count))
        return (0 until count.get(JAVA_LONG, 0)).associate { index ->
            lib.check("LiteRtGetModelSignature", lib.modelSignature.invokeWithArguments(model, index, out))
            val signature = out.get(ADDRESS, 0)
            lib.check("LiteRtGetSignatureKey", lib.signatureKey.invokeWithArguments(signature, out))
            val key = cString(out)
            lib.check("LiteRtGetNumSignatureInputs", lib.numInputs.invokeWithArguments(signature, count))
            val inputs = (0 until count.get(JAVA_LONG, 0)).map { i -> tensor(signature, index, i, input = true) }
            lib.check("LiteRtGetNumSignatureOutputs", lib.numOutputs.invokeWithArguments(signature, count))
            val outputs = (0 until count.get(JAVA_LONG, 0)).map { i -> tensor(signature, index, i, input = false) }
            key to Signature(key, index, inputs, outputs)
        }
    }

    private fun tensor(signature: MemorySegment, signatureIndex: Long, i: Long, input: Boolean): Tensor {
        val out = arena.allocate(ADDRESS)
        val size = arena.allocate(JAVA_LONG)
        val (nameFn, tensorFn, reqFn) = if (input) Triple(lib.inputName, lib.inputTensor, lib.inputRequirements) else Triple(lib.outputName, lib.outputTensor, lib.outputRequirements)
        lib.check("LiteRtGetSignatureTensorName", nameFn.invokeWithArguments(signature, i, out))
        val name = cString(out)
        lib.check("LiteRtGetSignatureTensorByIndex", tensorFn.invokeWithArguments(signature, i, out))
        // LiteRtRankedTensorType is {element_type; layout{rank:7 bits; has_strides:1; dims[8]; strides[8]}}
        // (72 bytes); it is read from the model and handed back as is, only a dynamic batch is pinned to 1.
        val type = arena.allocate(RANKED_TYPE_BYTES, 8)
        lib.check("LiteRtGetRankedTensorType", lib.rankedTensorType.invokeWithArguments(out.get(ADDRESS, 0), type))
        val elementType = type.get(JAVA_INT, 0)
        require(elementType == ELEMENT_FLOAT32) { "tensor $name has element type $elementType; the contract uses float32 only" }
        val rank = type.get(JAVA_INT, 4) and 0x7f
        val dims = (0 until rank).map { d -> type.get(JAVA_INT, 8L + 4 * d) }
        dims.forEachIndexed { d, v -> if (v < 0) type.set(JAVA_INT, 8L + 4 * d, 1) }
        lib.check("LiteRtGetCompiledModelBufferRequirements", reqFn.invokeWithArguments(compiled, signatureIndex, i, out))
        val requirements = out.get(ADDRESS, 0)
        lib.check("LiteRtGetTensorBufferRequirementsBufferSize", lib.requirementsSize.invokeWithArguments(requirements, size))
        lib.check("LiteRtCreateManagedTensorBufferFromRequirements", lib.createBufferFromRequirements.invokeWithArguments(env, type, requirements, out))
        val buffer = out.get(ADDRESS, 0)
        buffers += buffer
        val elements = dims.fold(1L) { a, b -> a * maxOf(b, 1) }
        return Tensor(name, dims, buffer, minOf(size.get(JAVA_LONG, 0), elements * 4))
    }

    private fun cString(slot: MemorySegment): String = slot.get(ADDRESS, 0).reinterpret(4096).getString(0)

    fun signature(key: String): Signature = signatures[key] ?: throw IllegalArgumentException("model has no signature $key (has ${signatures.keys})")

    override fun close() {
        buffers.forEach { lib.destroyBuffer.invokeWithArguments(it) }
        lib.destroyCompiledModel.invokeWithArguments(compiled)
        lib.destroyOptions.invokeWithArguments(options)
        lib.destroyModel.invokeWithArguments(model)
        lib.destroyEnvironment.invokeWithArguments(env)
        arena.close()
    }

    private companion object {
        const val HW_CPU = 1
        const val ELEMENT_FLOAT32 = 1
        const val RANKED_TYPE_BYTES = 128L
        const val MODE_READ = 0
        const val MODE_WRITE = 1
    }
}
