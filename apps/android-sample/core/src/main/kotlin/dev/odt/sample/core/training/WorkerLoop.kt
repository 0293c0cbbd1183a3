package dev.odt.sample.core.training

import dev.odt.sample.core.policy.ConstraintPolicy
import dev.odt.sample.core.policy.Decision
import dev.odt.sample.core.policy.DeviceConditions
import dev.odt.sample.core.policy.WorkKind

/** How a worker run ended, mapped by the Android worker to success / retry. */
sealed interface LoopEnd {
    /** Nothing left to do for now: Result.success(). */
    data class Finished(val last: StepReport) : LoopEnd

    /** A constraint stopped holding, or the run's time is used up: Result.retry(). */
    data class Deferred(val reasons: List<String>, val steps: Int) : LoopEnd

    /** Stopped mid-chunk (WorkManager's isStopped, a failed checkpoint write): Result.retry(). */
    data class Interrupted(val reason: String, val steps: Int) : LoopEnd
}

/**
 * The worker's loop, in the core so it is tested: before every step re-read the device
 * conditions, ask [ConstraintPolicy] for the budget left in this run, and hand THAT budget to the
 * chunk (it used to be computed and dropped). Why not in the worker: the worker cannot be run here.
 * For a pretrained base the same budget covers embedding the samples not cached yet: a chunk
 * that only embedded is committed progress and the loop goes on; a stop keeps what was embedded.
 */
object WorkerLoop {
    /** Runs [runner] steps towards [candidate] while the policy allows, at most [maxSteps]. */
    suspend fun run(
        runner: PersonalisationRunner,
        candidate: ModelRef?,
        conditions: () -> DeviceConditions,
        elapsedMillis: () -> Long,
        stop: StopSignal,
        maxSteps: Int = 10_000,
    ): LoopEnd {
        var steps = 0
        while (steps < maxSteps) {
            if (stop.stopRequested()) return LoopEnd.Interrupted("stop requested", steps)
            val budget = when (val d = ConstraintPolicy.decide(WorkKind.TRAIN, conditions(), elapsedMillis())) {
                is Decision.Defer -> return LoopEnd.Deferred(d.reasons, steps)
                is Decision.Run -> d.chunkBudgetMillis
            }
            val report = runner.step(candidate, budget, stop)
            steps++
            if (report.idle) return LoopEnd.Finished(report)
            val chunk = report.chunk
            if (chunk is ChunkResult.Interrupted) return LoopEnd.Interrupted(chunk.reason, steps)
        }
        return LoopEnd.Deferred(listOf("step limit $maxSteps reached"), steps)
    }
}
