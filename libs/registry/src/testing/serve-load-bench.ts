// `npx nx run bench:serve`: the bounded loopback load on `serve` at full size (>= 20,000
// index.json reads during >= 10 publishes); prints the figures and writes out/bench/serve.json.
import { writeJsonAtomic } from '@odt/cli-kit';
import { runServeLoad } from './serve-load.ts';

const report = await runServeLoad({ reads: 20_000, minPublishes: 10 });
const line = (label: string, value: string) => process.stdout.write(`${label.padEnd(28)}${value}\n`);
line('index.json reads', String(report.reads));
line('publishes meanwhile', String(report.publishes));
line('torn bodies', String(report.torn));
line('ETag mismatches', String(report.etagMismatches));
line('non-200 answers', String(report.statusErrors));
line('latency p50 / p99 / max', `${report.p50Ms.toFixed(2)} / ${report.p99Ms.toFixed(2)} / ${report.maxMs.toFixed(2)} ms`);
line('throughput', `${report.readsPerSecond.toFixed(0)} reads/s over ${report.seconds.toFixed(1)} s`);
await writeJsonAtomic('out/bench/serve.json', report);
process.exitCode = report.torn + report.etagMismatches + report.statusErrors === 0 ? 0 : 1;
