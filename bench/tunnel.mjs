// 1. Tunnel throughput and cost: pixelpass's path (hub → StreamGate → IrohTransport
// → real `pixelpass view` → local HTTP → reader) against a bare loop over the same
// @number0/iroh binding with the same chunk size, interleaved round by round.
import { ROOT } from './lib/paths.mjs';
import { sleep, start } from './lib/proc.mjs';
import { benchHost, cliViewer, lastOf, measureWindow, reader, waitBytes } from './lib/session.mjs';
import { summarize } from './lib/stats.mjs';

const MB = 1e6;

async function bare(chunkBytes, mode, seconds) {
  const host = start(process.execPath, [`${ROOT}bench/lib/bare-iroh.mjs`, 'host', String(chunkBytes), mode]);
  try {
    const ticket = JSON.parse(await host.waitLine((l) => l.includes('"ready"'))).ticket;
    const viewer = start(process.execPath, [`${ROOT}bench/lib/bare-iroh.mjs`, 'viewer', ticket]);
    try {
      const bytes = () => lastOf(viewer.lines, 'bytes');
      await waitBytes(bytes, 2 * MB, 20_000, `bare iroh (${mode})`);
      await sleep(500);
      const w = await measureWindow([host.pid, viewer.pid], [bytes], seconds);
      return { mbps: w.bytes[0] / MB / w.byteSeconds[0], cpuPerMB: (w.cpuSeconds[0] + w.cpuSeconds[1]) / (w.bytes[0] / MB), hostCpuPerMB: w.cpuSeconds[0] / (w.bytes[0] / MB), viewerCpuPerMB: w.cpuSeconds[1] / (w.bytes[0] / MB) };
    } finally {
      await viewer.stop();
    }
  } finally {
    await host.stop();
  }
}

async function pixelpass(chunkBytes, seconds) {
  const host = await benchHost(['--feed', 'max', '--chunk-bytes', String(chunkBytes)]);
  try {
    const viewer = await cliViewer(host.ticket);
    try {
      const r = await reader(viewer.url);
      try {
        await waitBytes(r.bytes, 2 * MB, 20_000, 'pixelpass tunnel');
        await sleep(500);
        const skipsBefore = host.lastStats()?.skips ?? 0;
        const w = await measureWindow([host.pid, viewer.pid, r.pid], [r.bytes], seconds);
        const skips = (host.lastStats()?.skips ?? 0) - skipsBefore;
        return {
          mbps: w.bytes[0] / MB / w.byteSeconds[0],
          cpuPerMB: (w.cpuSeconds[0] + w.cpuSeconds[1]) / (w.bytes[0] / MB),
          hostCpuPerMB: w.cpuSeconds[0] / (w.bytes[0] / MB),
          viewerCpuPerMB: w.cpuSeconds[1] / (w.bytes[0] / MB),
          readerCpuPerMB: w.cpuSeconds[2] / (w.bytes[0] / MB),
          skips,
        };
      } finally {
        await r.stop();
      }
    } finally {
      await viewer.stop();
    }
  } finally {
    await host.stop();
  }
}

const KEYS = ['mbps', 'cpuPerMB', 'hostCpuPerMB', 'viewerCpuPerMB', 'readerCpuPerMB'];

function collect(runs) {
  const out = {};
  for (const k of KEYS) if (runs.some((r) => k in r)) out[k] = summarize(runs.map((r) => r[k]));
  return out;
}

export async function run({ quick, log }) {
  const rounds = quick ? 2 : 6;
  const seconds = quick ? 3 : 4;
  const chunkSizes = quick ? [188 * 348] : [188 * 87, 188 * 348];
  const failures = [];
  const sizes = [];
  for (const chunkBytes of chunkSizes) {
    const runs = { ceiling: [], bareConvert: [], pixelpass: [] };
    for (let r = 0; r < rounds; r++) {
      log(`tunnel: chunk ${chunkBytes} B, round ${r + 1}/${rounds}`);
      runs.ceiling.push(await bare(chunkBytes, 'preconverted', seconds));
      runs.bareConvert.push(await bare(chunkBytes, 'convert', seconds));
      runs.pixelpass.push(await pixelpass(chunkBytes, seconds));
    }
    const skipped = runs.pixelpass.reduce((s, r) => s + r.skips, 0);
    if (skipped > 0) failures.push(`tunnel: the viewer fell behind ${skipped} times with chunk ${chunkBytes} B`);
    // Ratio per round (same round = same machine load), then summarized.
    const ratio = summarize(runs.pixelpass.map((p, i) => p.mbps / runs.ceiling[i].mbps));
    const ratioConvert = summarize(runs.pixelpass.map((p, i) => p.mbps / runs.bareConvert[i].mbps));
    // Work per MB barely depends on how busy the shared machine is, MB/s does:
    // the efficiency ratio (ceiling's CPU per MB over pixelpass's) is the steadier figure.
    const costRatio = summarize(runs.pixelpass.map((p, i) => runs.ceiling[i].cpuPerMB / p.cpuPerMB));
    sizes.push({
      chunkBytes,
      ceiling: collect(runs.ceiling),
      bareConvert: collect(runs.bareConvert),
      pixelpass: collect(runs.pixelpass),
      ratio,
      ratioConvert,
      costRatio,
    });
  }
  return { rounds, seconds, sizes, failures };
}
