// 4. Encoder-to-decoder latency on one machine (a component figure: what a
// person sees is the flip test, flip.mjs). lib/bench-host.mjs runs the real
// test-source pipeline (videotestsrc → x264 → mpegtsmux) with an identity element
// that reports the wall-clock moment each frame enters the encoder, and serves the
// same TS twice: through the hub and iroh to a real `pixelpass view` (full path),
// and on a plain local HTTP server (no tunnel). Two identical ffmpeg decoders read
// both at once and report the wall-clock moment each frame leaves the decoder;
// frames are matched by PTS. Both paths see the same frames under the same load.
import { sleep } from './lib/proc.mjs';
import { decode } from './lib/decoder.mjs';
import { benchHost, cliViewer } from './lib/session.mjs';
import { quantile, summarize } from './lib/stats.mjs';

function stampsOf(host) {
  // PTS in the TS = encoder-input PTS + the muxer's offset (its first PES less
  // the first frame's PTS, which a live source without videorate starts above 0).
  const firstPes = host.lines.find((l) => l.includes('"type":"pes"'));
  const firstSrc = host.lines.find((l) => l.includes('"type":"src"'));
  if (!firstPes || !firstSrc) return undefined;
  const offset = JSON.parse(firstPes).pts - JSON.parse(firstSrc).pts;
  const entered = new Map();
  for (const l of host.lines) {
    if (!l.includes('"type":"src"')) continue;
    const { pts, t } = JSON.parse(l);
    entered.set(Math.round((pts + offset) * 1000), t);
  }
  return entered;
}

export async function run({ quick, log }) {
  const rounds = quick ? 2 : 3;
  const seconds = quick ? 6 : 15;
  const warmup = 2.5;
  const failures = [];
  const per = { tunnel: { p50: [], p95: [], frames: [] }, direct: { p50: [], p95: [], frames: [] } };
  for (let round = 0; round < rounds; round++) {
    log(`latency: round ${round + 1}/${rounds} (${seconds} s)`);
    const host = await benchHost(['--feed', 'gst', '--direct-http', '--gop-seconds', '1', '--bitrate', '4000']);
    const frames = { tunnel: [], direct: [] };
    const decoders = [];
    try {
      const viewer = await cliViewer(host.ticket);
      decoders.push(viewer);
      const start = Date.now();
      for (const [path, url] of [['tunnel', viewer.url], ['direct', host.directUrl]]) {
        const d = decode(url, { onFrame: (pts, t) => frames[path].push({ pts, t }) });
        decoders.push(d.proc);
      }
      await sleep((seconds + warmup) * 1000);
      const entered = stampsOf(host);
      if (!entered) throw new Error('latency: the host pipeline produced no video');
      for (const path of ['tunnel', 'direct']) {
        const lat = [];
        for (const f of frames[path]) {
          if (f.t - start < warmup * 1000) continue;
          const t0 = entered.get(Math.round(f.pts * 1000));
          if (t0 !== undefined) lat.push(f.t - t0);
        }
        const decoded = frames[path].filter((f) => f.t - start >= warmup * 1000).length;
        if (lat.length < seconds * 10) {
          failures.push(`latency (${path}): only ${lat.length} of ${decoded} decoded frames matched a source frame in ${seconds} s`);
          continue;
        }
        per[path].p50.push(quantile(lat, 0.5));
        per[path].p95.push(quantile(lat, 0.95));
        per[path].frames.push(lat.length);
        log(`latency (${path}): ${lat.length} matched of ${decoded} decoded, ${entered.size} stamped`);
      }
    } finally {
      for (const d of decoders) await d.stop();
      await host.stop();
    }
  }
  const added = per.tunnel.p50.map((t, i) => t - per.direct.p50[i]);
  return {
    rounds,
    seconds,
    tunnel: { p50: summarize(per.tunnel.p50), p95: summarize(per.tunnel.p95), frames: per.tunnel.frames },
    direct: { p50: summarize(per.direct.p50), p95: summarize(per.direct.p95), frames: per.direct.frames },
    tunnelAddsMs: summarize(added),
    failures,
  };
}
