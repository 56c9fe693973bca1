import { describe, expect, it } from 'vitest';
import { TsPacketAligner, TsStreamInspector, parseTsHeader, type RunningMedia } from '@pixelpass/core';
import { GstMediaRunner, type MediaLauncher } from './gst-media-runner.js';

const SOURCE = 'videotestsrc is-live=true pattern=ball ! video/x-raw,width=160,height=120,framerate=30/1';
const ENCODE = 'x264enc tune=zerolatency key-int-max=1000 bframes=0 ! h264parse config-interval=-1 ! mpegtsmux alignment=7 ! fdsink fd=1 sync=false';

/** Keyframes (and all frames) seen in the process's output until it ends or `ms` passed. */
async function collect(run: RunningMedia, ms: number, onChunk?: () => void): Promise<{ bytes: Buffer; keyframes: number }> {
  const aligner = new TsPacketAligner();
  const inspector = new TsStreamInspector();
  const parts: Buffer[] = [];
  let keyframes = 0;
  const timer = setTimeout(() => void run.stop(), ms);
  for await (const chunk of run.output) {
    const packets = aligner.push(chunk);
    for (let off = 0; off + 188 <= packets.length; off += 188) if (inspector.classify(packets, off) === 'keyframe') keyframes++;
    parts.push(Buffer.from(packets));
    onChunk?.();
  }
  clearTimeout(timer);
  return { bytes: Buffer.concat(parts), keyframes };
}

describe.each<MediaLauncher>(['python', 'gst-launch'])('GstMediaRunner (%s, real GStreamer)', (launcher) => {
  it('delivers the output from its first byte, even when read late', async () => {
    const run = await new GstMediaRunner({ launcher }).start({
      description: `videotestsrc is-live=true num-buffers=20 ! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc tune=zerolatency ! h264parse ! mpegtsmux alignment=7 ! fdsink fd=1`,
      inheritFds: [],
      env: {},
    });
    // Read only after the process has had time to write its start.
    await new Promise((r) => setTimeout(r, 500));
    const chunks: Uint8Array[] = [];
    for await (const chunk of run.output) chunks.push(chunk);
    const all = Buffer.concat(chunks);
    expect(all.length).toBeGreaterThan(188 * 3);
    // mpegtsmux starts with the PAT (PID 0): nothing was lost before the reader came.
    expect(parseTsHeader(all, 0).pid).toBe(0);
    expect((await run.exited).code).toBe(0);
  });

  it('names a missing element and its package', async () => {
    await expect(
      new GstMediaRunner({ launcher, checkElements: false }).start({ description: 'videotestsrc ! nosuchelement42 ! fakesink', inheritFds: [], env: {} }),
    ).rejects.toThrow(/nosuchelement42/);
  });

  it('stop() ends it with EOS: a clean exit, no reason', async () => {
    const run = await new GstMediaRunner({ launcher }).start({ description: `${SOURCE} ! identity name=keyunit ! ${ENCODE}`, inheritFds: [], env: {} });
    await new Promise((r) => setTimeout(r, 300));
    await run.stop();
    expect(await run.exited).toEqual({ code: 0, reason: '' });
  });
});

describe('GstMediaRunner control (python)', () => {
  it('makes a keyframe on request, within a few frames, with the encoder told to make none itself', async () => {
    const run = await new GstMediaRunner({ launcher: 'python' }).start({ description: `${SOURCE} ! identity name=keyunit ! ${ENCODE}`, inheritFds: [], env: {} });
    expect(run.control).toBeDefined();
    let asked = false;
    const { keyframes } = await collect(run, 2500, () => {
      if (!asked) {
        asked = true;
        setTimeout(() => run.control!.requestKeyframe(), 800);
        setTimeout(() => run.control!.requestKeyframe(), 1600);
      }
    });
    // The first frame, and one per request: key-int-max=1000 makes none of its own in 2.5 s.
    expect(keyframes).toBe(3);
  });

  it('sets a property while playing (the encoder bitrate) and the output rate follows', async () => {
    const run = await new GstMediaRunner({ launcher: 'python' }).start({
      description: `videotestsrc is-live=true pattern=snow ! video/x-raw,width=320,height=240,framerate=30/1 ! identity name=keyunit ! x264enc name=venc tune=zerolatency bitrate=2000 bframes=0 ! h264parse ! mpegtsmux alignment=7 ! fdsink fd=1 sync=false`,
      inheritFds: [],
      env: {},
    });
    const seen: Array<{ t: number; n: number }> = [];
    const started = Date.now();
    let total = 0;
    setTimeout(() => run.control!.set('venc', 'bitrate', 200), 1500);
    const aligner = new TsPacketAligner();
    const timer = setTimeout(() => void run.stop(), 3500);
    for await (const chunk of run.output) {
      total += aligner.push(chunk).length;
      seen.push({ t: Date.now() - started, n: total });
    }
    clearTimeout(timer);
    const at = (t: number): number => seen.filter((s) => s.t <= t).at(-1)?.n ?? 0;
    const before = (at(1400) - at(400)) * 8;
    const after = (at(3400) - at(2400)) * 8;
    // 2 Mbit/s of snow, then 200 kbit/s asked: well under half.
    expect(before).toBeGreaterThan(1_000_000);
    expect(after).toBeLessThan(before / 2);
  });

  it('ends by itself when the host is killed -9 (its stdin closes): it never outlives the host', async () => {
    const { spawn } = await import('node:child_process');
    const dist = new URL('../dist/index.js', import.meta.url).href;
    const host = spawn(process.execPath, [
      '--input-type=module',
      '-e',
      `const { GstMediaRunner } = await import(${JSON.stringify(dist)});
       const run = await new GstMediaRunner({ launcher: 'python' }).start({ description: ${JSON.stringify(`${SOURCE} ! identity name=keyunit ! ${ENCODE}`)}, inheritFds: [], env: {} });
       (async () => { for await (const _ of run.output); })();
       console.log(run.pid);
       setInterval(() => {}, 1000);`,
    ], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve) => host.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
    const alive = (p: number): boolean => {
      try {
        process.kill(p, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive(pid)).toBe(true);
    host.kill('SIGKILL');
    const deadline = Date.now() + 5000;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid)).toBe(false);
  });
});
