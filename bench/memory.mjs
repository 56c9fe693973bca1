// 6. Memory: RSS of a real `pixelpass host --source test` (its Node process, and
// separately its media process: python3 pixelpass-media.py, or gst-launch) with 0, 1 and 8 viewers.
import { comm, descendants, rssMiB, sleep } from './lib/proc.mjs';
import { cliHost, cliViewer, reader, waitBytes } from './lib/session.mjs';
import { summarize } from './lib/stats.mjs';

function gstRss(pid) {
  return descendants(pid)
    .filter((p) => comm(p).startsWith('gst-launch') || comm(p).startsWith('python3'))
    .reduce((s, p) => s + rssMiB(p), 0);
}

export async function run({ quick, log }) {
  const rounds = quick ? 1 : 3;
  const samples = quick ? 4 : 8;
  const failures = [];
  const levels = new Map([0, 1, 8].map((n) => [n, { host: [], gst: [] }]));
  for (let round = 0; round < rounds; round++) {
    const host = await cliHost(['--source', 'test', '--max-viewers', '8']);
    const viewers = [];
    const readers = [];
    try {
      for (const n of [0, 1, 8]) {
        while (viewers.length < n) {
          const v = await cliViewer(host.ticket);
          viewers.push(v);
          readers.push(await reader(v.url));
        }
        log(`memory: round ${round + 1}/${rounds}, ${n} viewer(s)`);
        for (const r of readers) await waitBytes(r.bytes, 50_000, 30_000, `memory: viewer ${readers.indexOf(r) + 1} got no stream`);
        await sleep(n === 0 ? 1000 : 3000);
        for (let s = 0; s < samples; s++) {
          levels.get(n).host.push(rssMiB(host.pid));
          levels.get(n).gst.push(gstRss(host.pid));
          await sleep(250);
        }
      }
      if (/fell behind|disconnected/.test(host.stderr())) failures.push('memory: a viewer fell behind the real host with 8 viewers');
    } finally {
      for (const r of readers) await r.stop();
      for (const v of viewers) await v.stop();
      await host.stop();
    }
  }
  const out = [];
  for (const [viewers, l] of levels) {
    if (!l.host.every(Number.isFinite)) failures.push(`memory: could not read the host's RSS with ${viewers} viewers`);
    out.push({ viewers, hostRssMiB: summarize(l.host), gstRssMiB: summarize(l.gst) });
  }
  return { rounds, samplesPerLevel: samples, levels: out, failures };
}
