// 2. Fan-out: host CPU at a fixed stream rate for 1, 2, 4, 8 viewers on loopback.
// The host is lib/bench-host.mjs (real hub, gate and IrohTransport; a synthetic
// feeder at the rate, so no encoder noise); each viewer is a real
// `pixelpass view --player none` with a reader standing in for the player.
import { cpuSeconds, rssMiB, sleep, wallMs } from './lib/proc.mjs';
import { benchHost, cliViewer, reader, waitBytes } from './lib/session.mjs';
import { summarize } from './lib/stats.mjs';

const RATE = 750_000; // bytes/s = 6 Mbit/s

/** Host CPU % over one window. */
async function window(host, seconds) {
  const cpu0 = cpuSeconds(host.pid);
  const t0 = wallMs();
  await sleep(seconds * 1000);
  return { cpuPercent: ((cpuSeconds(host.pid) - cpu0) / ((wallMs() - t0) / 1000)) * 100, rssMiB: rssMiB(host.pid) };
}

/** Bytes per second between two reports, on the reporter's own clock. */
const rate = (a, b, key) => (b[key] - a[key]) / ((b.t - a.t) / 1000);

export async function run({ quick, log }) {
  const levels = [1, 2, 4, 8];
  const rounds = quick ? 1 : 2;
  const windows = quick ? 2 : 3;
  const seconds = quick ? 2 : 3;
  const failures = [];
  const perLevel = new Map([0, ...levels].map((n) => [n, { cpu: [], rss: [], keptUp: [] }]));
  for (let round = 0; round < rounds; round++) {
    const host = await benchHost(['--feed', 'rate', '--rate', String(RATE), '--max-viewers', '8', '--gop-seconds', '2']);
    const viewers = [];
    const readers = [];
    try {
      await sleep(1000);
      for (const n of [0, ...levels]) {
        while (viewers.length < n) {
          const v = await cliViewer(host.ticket);
          viewers.push(v);
          readers.push(await reader(v.url));
        }
        log(`fan-out: round ${round + 1}/${rounds}, ${n} viewer(s)`);
        for (const r of readers) await waitBytes(r.bytes, 100_000, 20_000, `fan-out viewer ${readers.indexOf(r) + 1}`);
        await sleep(1500); // let joins (GOP burst) settle
        const pub0 = host.lastStats();
        const got0 = readers.map((r) => r.bytes());
        const level = perLevel.get(n);
        for (let w = 0; w < windows; w++) {
          const m = await window(host, seconds);
          level.cpu.push(m.cpuPercent);
          level.rss.push(m.rssMiB);
        }
        // Keeping up is judged over the whole level: received rate over published rate.
        const pub1 = host.lastStats();
        const published = rate(pub0, pub1, 'published');
        readers.forEach((r, i) => level.keptUp.push(rate(got0[i], r.bytes(), 'bytes') / published));
        // With no viewer the capture does not run (on demand): nothing to publish.
        if (n > 0 && Math.abs(published - RATE) / RATE > 0.05) failures.push(`fan-out: feeder ran at ${Math.round(published)} B/s instead of ${RATE} with ${n} viewers (host too loaded)`);
      }
      const stats = host.lastStats();
      if (stats?.skips || stats?.drops) failures.push(`fan-out: viewers fell behind (${stats.skips} skips, ${stats.drops} drops)`);
    } finally {
      for (const r of readers) await r.stop();
      for (const v of viewers) await v.stop();
      await host.stop();
    }
  }
  const result = { rateBytesPerSec: RATE, rounds, windows, windowSeconds: seconds, levels: [] };
  for (const [n, l] of perLevel) {
    const keptUp = summarize(l.keptUp);
    if (n > 0 && keptUp.min < 0.9) failures.push(`fan-out: with ${n} viewers one received only ${(keptUp.min * 100).toFixed(0)}% of what was sent in a window`);
    result.levels.push({ viewers: n, cpuPercent: summarize(l.cpu), rssMiB: summarize(l.rss), keptUp });
  }
  const cpu = (n) => result.levels.find((l) => l.viewers === n).cpuPercent.median;
  const first = cpu(1) - cpu(0);
  const marginal = (cpu(8) - cpu(1)) / 7;
  result.firstViewerCpuPercent = first;
  result.marginalViewerCpuPercent = marginal;
  result.marginalOverFirst = marginal / first;
  return { ...result, failures };
}
