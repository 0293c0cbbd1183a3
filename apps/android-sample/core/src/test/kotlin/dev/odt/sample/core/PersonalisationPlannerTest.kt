package dev.odt.sample.core

import dev.odt.sample.core.contract.SemVer
import dev.odt.sample.core.training.HeldOutComparison
import dev.odt.sample.core.training.ModelRef
import dev.odt.sample.core.training.PersonalisationPlanner
import dev.odt.sample.core.training.PlannerInput
import dev.odt.sample.core.training.UpdateDecision
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertIs
import kotlin.test.assertTrue

class PersonalisationPlannerTest {
    private val v1 = ModelRef(SemVer(1, 0, 0), "aaa")
    private val v11 = ModelRef(SemVer(1, 1, 0), "bbb")
    private val v2 = ModelRef(SemVer(2, 0, 0), "ccc")
    private val input = PlannerInput(v1, v1, trainSamples = 80, heldOutSamples = 20, targetSteps = 40, servingStepsOnSet = 40, candidateStepsOnSet = 0)

    @Test
    fun `without a served model the first verified version is adopted, without any model nothing happens`() {
        assertEquals(UpdateDecision.Adopt(v1, "first model on this device: 1.0.0"), PersonalisationPlanner.plan(input.copy(serving = null)))
        assertIs<UpdateDecision.Idle>(PersonalisationPlanner.plan(input.copy(serving = null, candidate = null)))
    }

    @Test
    fun `an up-to-date device trains until the current sample set has its steps, and again when the set changes`() {
        assertIs<UpdateDecision.Train>(PersonalisationPlanner.plan(input.copy(servingStepsOnSet = 39)))
        assertIs<UpdateDecision.Idle>(PersonalisationPlanner.plan(input))
        // New samples: a new set hash, so 0 steps done on it -> train again (never "complete forever").
        assertIs<UpdateDecision.Train>(PersonalisationPlanner.plan(input.copy(servingStepsOnSet = 0, trainSamples = 81)))
        assertIs<UpdateDecision.Idle>(PersonalisationPlanner.plan(input.copy(trainSamples = 0, servingStepsOnSet = 0)))
    }

    @Test
    fun `a compatible update keeps serving the personalised model while the new base is shadow-trained, then compares`() {
        val shadow = PersonalisationPlanner.plan(input.copy(candidate = v11, candidateStepsOnSet = 10))
        assertIs<UpdateDecision.ShadowTrain>(shadow)
        assertEquals(v1, shadow.serve)
        assertEquals(v11, shadow.candidate)
        val compare = PersonalisationPlanner.plan(input.copy(candidate = v11, candidateStepsOnSet = 40))
        assertIs<UpdateDecision.Compare>(compare)
        assertEquals(v1, compare.serve)
    }

    @Test
    fun `the switch happens only when the new model scores at least as well on the held-out slice`() {
        val done = input.copy(candidate = v11, candidateStepsOnSet = 40)
        val better = PersonalisationPlanner.plan(done.copy(comparison = HeldOutComparison(0.80, 0.85, 20)))
        assertEquals(UpdateDecision.Switch(v1, v11, (better as UpdateDecision.Switch).reason), better)
        assertIs<UpdateDecision.Switch>(PersonalisationPlanner.plan(done.copy(comparison = HeldOutComparison(0.80, 0.80, 20))))
        val worse = PersonalisationPlanner.plan(done.copy(comparison = HeldOutComparison(0.85, 0.80, 20)))
        assertIs<UpdateDecision.Idle>(worse)
        assertEquals(v1, worse.serve)
        assertTrue(worse.reason.contains("keeping 1.0.0"), worse.reason)
        // Still personalising the served model after a rejection if its set is not done.
        assertIs<UpdateDecision.Train>(PersonalisationPlanner.plan(done.copy(servingStepsOnSet = 3, comparison = HeldOutComparison(0.85, 0.80, 20))))
    }

    @Test
    fun `with no personal samples a compatible update switches at once, with no held-out slice after shadow training`() {
        assertIs<UpdateDecision.Switch>(PersonalisationPlanner.plan(input.copy(candidate = v11, trainSamples = 0, heldOutSamples = 0)))
        val done = input.copy(candidate = v11, candidateStepsOnSet = 40, heldOutSamples = 0)
        assertIs<UpdateDecision.Switch>(PersonalisationPlanner.plan(done.copy(comparison = HeldOutComparison(Double.NaN, Double.NaN, 0))))
    }

    @Test
    fun `another contract major starts fresh and says why`() {
        val fresh = PersonalisationPlanner.plan(input.copy(candidate = v2))
        assertIs<UpdateDecision.StartFresh>(fresh)
        assertEquals(v2, fresh.serve)
        assertTrue(fresh.reason.startsWith("contract major 1 -> 2"), fresh.reason)
        assertTrue(fresh.reason.contains("cannot be carried over"), fresh.reason)
    }
}
