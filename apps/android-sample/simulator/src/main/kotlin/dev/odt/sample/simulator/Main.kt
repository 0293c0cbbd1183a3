package dev.odt.sample.simulator

import dev.odt.sample.core.source.FollowResult
import java.io.File
import kotlin.system.exitProcess

/**
 * Runs the simulator and returns its exit status: 0 installed or up to date, 3 refused (the device
 * kept its installed version, which was still personalised), 2 refused with nothing installed,
 * 14 bad command line. [out] gets one line per event and, last, `installed <name>@<version>
 * accuracy <before> -> <after>` for the version it SERVES (during a shadow update, the old one):
 * before = that version's base accuracy on the user's held-out digits, after = the served model's.
 */
fun simulate(args: List<String>, env: Map<String, String>, cwd: File, out: (String) -> Unit): Int {
    val repoRoot = generateSequence(cwd.absoluteFile) { it.parentFile }.firstOrNull { File(it, "nx.json").isFile } ?: cwd
    val options = try {
        SimulatorOptions.parse(args, env, cwd, repoRoot)
    } catch (e: IllegalArgumentException) {
        out("error: ${e.message}")
        return 14
    }
    val report = DeviceSimulator(options, env, out).run()
    val running = report.follow.running ?: return 2.also { out("refused: ${(report.follow as? FollowResult.Refused)?.error?.message}; no model installed") }
    val p = report.personalisation
    if (p != null) {
        out("installed ${running.manifest.name}@${p.served.version} accuracy ${Personaliser.pct(p.base)} -> ${Personaliser.pct(p.end)}")
    }
    return if (report.follow is FollowResult.Refused) 3 else 0
}

/** `java dev.odt.sample.simulator.MainKt --registry ... --channel ...` (what `android-sample:simulate` runs). */
fun main(args: Array<String>) {
    val status = simulate(args.toList(), System.getenv(), File(System.getProperty("user.dir")), ::println)
    System.out.flush()
    // Maven's exec plugin reports every accepted status as success; the wrapper reads the real one here.
    System.getProperty("odt.sim.statusFile")?.takeIf { it.isNotBlank() }?.let { File(it).writeText("$status\n") }
    exitProcess(status)
}
