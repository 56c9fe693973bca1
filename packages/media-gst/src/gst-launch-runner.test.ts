import { describe, expect, it } from 'vitest';
import { parseTsHeader } from '@pixelpass/core';
import { GstLaunchRunner } from './gst-launch-runner.js';

describe('GstLaunchRunner (real gst-launch-1.0)', () => {
  it('delivers the output from its first byte, even when read late', async () => {
    const run = await new GstLaunchRunner().start({
      description:
        'videotestsrc is-live=true num-buffers=20 ! video/x-raw,width=160,height=120,framerate=30/1 ! x264enc tune=zerolatency ! h264parse ! mpegtsmux alignment=7 ! fdsink fd=1',
      inheritFds: [],
      env: {},
    });
    // Read only after the process has had time to write its start.
    await new Promise((r) => setTimeout(r, 500));
    const chunks: Uint8Array[] = [];
    for await (const chunk of run.output) chunks.push(chunk);
    const all = Buffer.concat(chunks);
    expect(all.length).toBeGreaterThan(188 * 3);
    expect(all[0]).toBe(0x47);
    // mpegtsmux starts with the PAT (PID 0): nothing was lost before the reader came.
    expect(parseTsHeader(all, 0).pid).toBe(0);
    expect((await run.exited).code).toBe(0);
  });

  it('names a missing element and its package', async () => {
    await expect(
      new GstLaunchRunner().start({ description: 'videotestsrc ! nosuchelement42 ! fakesink', inheritFds: [], env: {} }),
    ).rejects.toThrow(/nosuchelement42/);
  });
});
