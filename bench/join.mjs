// 3. Join time: from a player (ffmpeg) connecting to the viewer's local URL to its
// first decoded frame, against a real `pixelpass host --source test`, for
// keyframe intervals 1, 2, 4 s, with the hub's instant join on and off.
import { sleep } from './lib/proc.mjs';
import { timeToFirstFrame } from './lib/decoder.mjs';
import { cliHost, cliViewer, reader, waitBytes } from './lib/session.mjs';
import { summarize } from './lib/stats.mjs';

/** Deterministic pseudo-random waits, so join moments fall anywhere in a GOP. */
function* jitter(seed) {
  let x = seed;
  for (;;) {
    x = (x * 1103515245 + 12345) % 2147483648;
    yield x / 2147483648;
  }
}

export async function run({ quick, log }) {
  const intervals = quick ? [1] : [1, 2, 4];
  const joins = quick ? 10 : 15;
  const failures = [];
  const configs = [];
  // ffmpeg's own start-up, for reading the figures: a synthetic source, no network.
  const floor = [];
  for (let i = 0; i < 3; i++) floor.push(await timeToFirstFrame('testsrc=size=1280x720:rate=30', 20_000, true).catch(() => Number.NaN));
  for (const keyframeInterval of intervals) {
    for (const join of ['live', 'replay', 'wait']) {
      const args = ['--source', 'test', '--no-audio', '--keyframe-interval', String(keyframeInterval), '--max-viewers', '4', '--join', join];
      const host = await cliHost(args);
      const viewer = await cliViewer(host.ticket).catch(async (e) => {
        await host.stop();
        throw e;
      });
      // A viewer that stays on keeps the capture running, so every measured join
      // joins a share in progress (the first viewer's capture start-up is separate).
      const keep = await reader(viewer.url);
      const times = [];
      try {
        await waitBytes(keep.bytes, 50_000, 30_000, 'join: the stream never started');
        await sleep(keyframeInterval * 1000 + 500);
        const rnd = jitter(keyframeInterval * 7 + ['live', 'replay', 'wait'].indexOf(join));
        log(`join: keyframe interval ${keyframeInterval} s, join ${join}, ${joins} joins`);
        for (let j = 0; j < joins; j++) {
          await sleep(rnd.next().value * keyframeInterval * 1000);
          try {
            times.push(await timeToFirstFrame(viewer.url));
          } catch (err) {
            failures.push(`join (keyframe ${keyframeInterval} s, ${join}): ${err.message}`);
          }
        }
      } finally {
        await keep.stop();
        await viewer.stop();
        await host.stop();
      }
      configs.push({ keyframeInterval, join, ms: summarize(times) });
    }
  }
  return { joins, ffmpegFloorMs: summarize(floor), configs, failures };
}
