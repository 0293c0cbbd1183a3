package dev.odt.sample.core.training

/**
 * The update rule as a pure function, so the worker and the simulator follow the same tested
 * logic. Same contract major: keep serving the personalised model, shadow-train the new base on
 * the user's own samples, compare both on the held-out slice, switch only if the new one scores at
 * least as well. Another major: start fresh and say why. New samples: more training.
 */
object PersonalisationPlanner {
    /** The next thing to do given [input]. */
    fun plan(input: PlannerInput): UpdateDecision {
        val serving = input.serving
        val candidate = input.candidate?.takeIf { it != serving }
        if (serving == null) {
            return if (candidate == null) UpdateDecision.Idle(null, "no trusted model yet")
            else UpdateDecision.Adopt(candidate, "first model on this device: ${candidate.version}")
        }
        if (candidate == null) return personalise(serving, input, "up to date")
        if (candidate.version.major != serving.version.major) {
            return UpdateDecision.StartFresh(
                serving, candidate,
                "contract major ${serving.version.major} -> ${candidate.version.major} (${serving.version} -> ${candidate.version}): " +
                    "the personalised state of ${serving.version} cannot be carried over; retraining ${candidate.version} from its base on ${input.trainSamples} local samples",
            )
        }
        if (input.trainSamples == 0) {
            return UpdateDecision.Switch(serving, candidate, "no personal samples: nothing to lose by switching to ${candidate.version}")
        }
        if (input.candidateStepsOnSet < input.targetSteps) {
            return UpdateDecision.ShadowTrain(
                serving, candidate,
                "shadow-training ${candidate.version}: ${input.candidateStepsOnSet}/${input.targetSteps} steps on ${input.trainSamples} samples; serving ${serving.version}",
            )
        }
        val comparison = input.comparison
            ?: return UpdateDecision.Compare(serving, candidate, "shadow training of ${candidate.version} complete; comparing on ${input.heldOutSamples} held-out samples")
        val scores = "held-out accuracy ${pct(comparison.candidateAccuracy)} (${candidate.version}) vs ${pct(comparison.servingAccuracy)} (${serving.version}) on ${comparison.heldOut} samples"
        if (comparison.candidateAtLeastAsGood) return UpdateDecision.Switch(serving, candidate, "switching: $scores")
        return personalise(serving, input, "keeping ${serving.version}: $scores")
    }

    private fun personalise(serving: ModelRef, input: PlannerInput, why: String): UpdateDecision = when {
        input.trainSamples == 0 -> UpdateDecision.Idle(serving, "$why; no samples to train on")
        input.servingStepsOnSet < input.targetSteps ->
            UpdateDecision.Train(serving, "$why; personalising ${serving.version}: ${input.servingStepsOnSet}/${input.targetSteps} steps on ${input.trainSamples} samples")
        else -> UpdateDecision.Idle(serving, "$why; ${serving.version} is trained on the current ${input.trainSamples} samples")
    }

    private fun pct(v: Double) = if (v.isNaN()) "n/a" else "%.1f%%".format(v * 100)
}
