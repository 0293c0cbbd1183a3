package dev.odt.sample.core.training

/**
 * What the device does next about personalisation and model updates; every decision says which
 * model serves predictions meanwhile ([serve]) and why ([reason], for the log).
 */
sealed interface UpdateDecision {
    val serve: ModelRef?
    val reason: String

    /** Nothing to train and nothing to switch: the worker can finish. */
    data class Idle(override val serve: ModelRef?, override val reason: String) : UpdateDecision

    /** No model served yet: start serving [to] (and personalise it from there). */
    data class Adopt(val to: ModelRef, override val reason: String) : UpdateDecision {
        override val serve: ModelRef get() = to
    }

    /** Personalise the served model by one chunk on the training split. */
    data class Train(override val serve: ModelRef, override val reason: String) : UpdateDecision

    /** Keep serving [serve]; re-personalise [candidate] from its base by one chunk (shadow training). */
    data class ShadowTrain(override val serve: ModelRef, val candidate: ModelRef, override val reason: String) : UpdateDecision

    /** Shadow training is complete: score [serve] and [candidate] on the held-out slice, then plan again with the result. */
    data class Compare(override val serve: ModelRef, val candidate: ModelRef, override val reason: String) : UpdateDecision

    /** [to] scored at least as well as [from] (or there is nothing personal to lose): serve [to] from now on. */
    data class Switch(val from: ModelRef, val to: ModelRef, override val reason: String) : UpdateDecision {
        override val serve: ModelRef get() = to
    }

    /** [to] has another contract major: personal state cannot carry over, so serve [to] from its base and retrain. */
    data class StartFresh(val from: ModelRef, val to: ModelRef, override val reason: String) : UpdateDecision {
        override val serve: ModelRef get() = to
    }
}

/** Accuracy of the served and the candidate model on the same held-out slice of the user's samples. */
data class HeldOutComparison(val servingAccuracy: Double, val candidateAccuracy: Double, val heldOut: Int) {
    /** The switch rule: the candidate must score at least as well (an empty slice cannot show it worse). */
    val candidateAtLeastAsGood: Boolean get() = heldOut == 0 || candidateAccuracy >= servingAccuracy
}

/** Everything the planner looks at; all of it is cheap to read from the stores. */
data class PlannerInput(
    /** The model served now (the [ServingPointer]), null before the first adoption. */
    val serving: ModelRef?,
    /** The version the channel offers now (newest verified download), null if none; equal to [serving] when up to date. */
    val candidate: ModelRef?,
    /** Samples in the training split now (held-out excluded). */
    val trainSamples: Int,
    /** Samples in the held-out slice now. */
    val heldOutSamples: Int,
    /** Steps the current training split is owed ([StepTarget]). */
    val targetSteps: Long,
    /** Steps the served model has done on exactly the current training split. */
    val servingStepsOnSet: Long,
    /** Steps the candidate has done on exactly the current training split (shadow). */
    val candidateStepsOnSet: Long,
    /** The held-out scores of both, once measured for the current states; null before. */
    val comparison: HeldOutComparison? = null,
)
