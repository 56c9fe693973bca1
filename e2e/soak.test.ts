import { readFile } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { longestStall, startDecoder, type Decoder } from './helpers/decoder.js';
import { startCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';

// A host with two viewers for PIXELPASS_SOAK_SECONDS (60 in CI; scripts/soak.sh
// runs 600): the host's memory stays flat, both viewers decode the whole time,
// and the host's byte accounting balances for every viewer.

const SECONDS = Number(process.env.PIXELPASS_SOAK_SECONDS ?? 60);
const FPS = 15;
/** Past the warm-up (first capture, GOP cache, iroh buffers), memory should not grow more than this. */
const RSS_GROWTH_LIMIT_KB = Number(process.env.PIXELPASS_SOAK_RSS_LIMIT_KB ?? 40_000);

async function rssKb(pid: number): Promise<number> {
  return Number(/VmRSS:\s+(\d+)/.exec(await readFile(`/proc/${pid}/status`, 'utf8'))?.[1]);
}

describe(`soak: two viewers for ${SECONDS} s`, () => {
  requireTools('gst-launch-1.0', 'ffmpeg');
  const decoders: Decoder[] = [];
  afterAll(async () => {
    for (const d of decoders) d.child.kill('SIGKILL');
    await stopAllCli();
  });

  it('host memory stays flat, both viewers decode throughout, every byte is accounted for', async () => {
    // -v: the exit summary (byte accounting) is printed only when asked for.
    const host = startCli(['-v', 'host', '--source', 'test', '--test-size', '640x360', '--fps', String(FPS), '--bitrate', '1500', '--max-viewers', '2']);
    const ticket = await host.firstLine;
    const viewers = [startCli(['view', ticket, '--player', 'none']), startCli(['view', ticket, '--player', 'none'])];
    const urls = await Promise.all(viewers.map((v) => v.firstLine));
    decoders.push(...urls.map((u) => startDecoder(u, SECONDS)));

    // Warm-up, then memory samples every few seconds.
    await new Promise((r) => setTimeout(r, Math.min(10, SECONDS / 4) * 1000));
    const pid = host.child.pid!;
    const samples: number[] = [await rssKb(pid)];
    const sampler = setInterval(() => void rssKb(pid).then((kb) => samples.push(kb)), 5000);
    const codes = await Promise.all(decoders.map((d) => d.exited));
    clearInterval(sampler);
    samples.push(await rssKb(pid));

    for (const [i, d] of decoders.entries()) {
      const label = `viewer ${i + 1}: ${d.errors().slice(0, 5).join(' | ')}\nhost: ${host.stderr()}\nviewer: ${viewers[i]!.stderr()}`;
      expect(codes[i], label).toBe(0);
      const frames = d.progress.at(-1)?.frame ?? 0;
      expect(frames, label).toBeGreaterThanOrEqual(Math.floor(SECONDS * FPS * 0.9));
      expect(longestStall(d.progress), label).toBeLessThan(3000);
      expect(d.errors().length, label).toBeLessThanOrEqual(2);
    }

    // Viewers leave first so their accounting is final, then the host prints its summary.
    for (const v of viewers) expect((await v.stop('SIGINT')).code).toBe(0);
    const { code } = await host.stop('SIGINT');
    expect(code).toBe(0);
    const summary = host.stderr().split('\n').filter((l) => l.includes('summary '));
    const total = summary.find((l) => /summary published=/.test(l));
    const perViewer = summary.filter((l) => /summary viewer=/.test(l));
    expect(total, host.stderr()).toBeDefined();
    expect(perViewer).toHaveLength(2);
    const num = (line: string, key: string): number => Number(new RegExp(`${key}=(\\d+)`).exec(line)?.[1]);
    for (const line of perViewer) {
      expect(line).toMatch(/balanced=yes/);
      const sent = num(line, 'sent');
      expect(sent).toBe(
        num(line, 'published') + num(line, 'replayed') + num(line, 'injected') - num(line, 'skipped') - num(line, 'discarded'),
      );
      // Each viewer got nearly everything of its rendition (the host's total counts every rendition's).
      expect(sent).toBeGreaterThan(num(line, 'published') * 0.9);
    }
    // Both watch the same rendition on the same link: about the same bytes.
    const [a, b] = perViewer.map((l) => num(l, 'sent'));
    expect(Math.min(a!, b!) / Math.max(a!, b!), perViewer.join('\n')).toBeGreaterThan(0.9);
    const [start, end] = [samples[0]!, samples.at(-1)!];
    const peak = Math.max(...samples);
    process.stdout.write(
      `soak ${SECONDS} s: host RSS start ${start} kB, end ${end} kB, peak ${peak} kB; ${total}\n${perViewer.join('\n')}\n`,
    );
    expect(end - start, `RSS samples (kB): ${samples.join(' ')}`).toBeLessThan(RSS_GROWTH_LIMIT_KB);
  }, (SECONDS + 90) * 1000);
});
