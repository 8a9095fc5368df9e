// Stream a run's samples as it goes: host free memory once a simulated minute.
//
//   node examples/api/stream.mjs
import { defaultScenario, formatBytesApprox as formatBytes, simulateStream } from 'balloonsim';

const scenario = defaultScenario({ durationOverrideMs: 10 * 60_000 });
const run = simulateStream(scenario, { placement: 'inline', sampleEveryTicks: 60 });
for await (const sample of run) {
  const balloons = sample.guests.reduce((sum, guest) => sum + guest.balloonPages, 0) * scenario.frameBytes;
  console.log(`${String(sample.timeMs / 60_000).padStart(2)} min: host free ${formatBytes(sample.freeFrames * scenario.frameBytes)}, in balloons ${formatBytes(balloons)}`);
}
const { summary } = await run.result;
console.log(`done: ${summary.ticks} ticks, ${summary.audit.violations} violations`);
