import { describe, expect, it } from 'vitest';
import {
  chooseEncoder,
  describeEncoderChoice,
  encoderProbeOrder,
  EncoderUnavailable,
  resolveEncoderChoice,
  type ProbedEncoder,
} from './encoder-choice.js';
import { UsageError } from './errors.js';
import type { ProbeResult } from './ports/encoder.js';

const ok = (detail: string): ProbeResult => ({ usable: true, detail });
const no = (reason: string, provider?: string): ProbeResult => ({ usable: false, reason, provider });

describe('encoderProbeOrder', () => {
  const cases: Array<[string, string[], string[] | typeof UsageError]> = [
    ['auto', ['x264', 'vaapi', 'openh264', 'nvenc'], ['vaapi', 'nvenc', 'x264', 'openh264']],
    ['auto', ['x264', 'vaapi'], ['vaapi', 'x264']],
    ['auto', ['future', 'openh264', 'vaapi'], ['vaapi', 'openh264', 'future']],
    ['x264', ['vaapi', 'x264'], ['x264']],
    ['vaapi', ['vaapi', 'x264'], ['vaapi']],
    ['h265', ['vaapi', 'x264'], UsageError],
  ];
  it.each(cases)('%s of %j → %j', (requested, known, expected) => {
    if (Array.isArray(expected)) expect(encoderProbeOrder(requested, known)).toEqual(expected);
    else expect(() => encoderProbeOrder(requested, known)).toThrow(expected);
  });
});

describe('chooseEncoder', () => {
  const noVa = no('no VA render device', 'mesa-va-drivers (AMD)');
  const noNv = no('nvh264enc is not registered');
  const cases: Array<{
    name: string;
    probed: ProbedEncoder[];
    requested: string;
    chosen?: string;
    skipped?: string[];
    error?: typeof EncoderUnavailable | typeof UsageError;
    message?: RegExp;
  }> = [
    {
      name: 'auto without GPU falls to x264 and names both skipped',
      probed: [
        { id: 'vaapi', result: noVa },
        { id: 'nvenc', result: noNv },
        { id: 'x264', result: ok('x264enc') },
      ],
      requested: 'auto',
      chosen: 'x264',
      skipped: ['vaapi', 'nvenc'],
    },
    {
      name: 'auto takes the first usable',
      probed: [{ id: 'vaapi', result: ok('vah264enc') }],
      requested: 'auto',
      chosen: 'vaapi',
      skipped: [],
    },
    {
      name: 'auto with nothing usable lists every reason',
      probed: [
        { id: 'vaapi', result: noVa },
        { id: 'x264', result: no('x264enc not found', 'gstreamer1.0-plugins-ugly') },
      ],
      requested: 'auto',
      error: EncoderUnavailable,
      message: /no usable H\.264 encoder.*vaapi: no VA render device; install mesa-va-drivers.*x264: x264enc not found; install gstreamer1\.0-plugins-ugly/,
    },
    {
      name: 'explicit request that works',
      probed: [{ id: 'openh264', result: ok('openh264enc') }],
      requested: 'openh264',
      chosen: 'openh264',
      skipped: [],
    },
    {
      name: 'explicit request that cannot work is an error, not a fallback',
      probed: [{ id: 'vaapi', result: noVa }],
      requested: 'vaapi',
      error: EncoderUnavailable,
      message: /^the vaapi encoder cannot be used: no VA render device; install mesa-va-drivers \(AMD\)$/,
    },
    {
      name: 'explicit request not probed is a usage error',
      probed: [{ id: 'x264', result: ok('x264enc') }],
      requested: 'nvenc',
      error: UsageError,
    },
  ];
  it.each(cases)('$name', (c) => {
    if (c.error) {
      expect(() => chooseEncoder(c.probed, c.requested)).toThrow(c.error);
      if (c.message) expect(() => chooseEncoder(c.probed, c.requested)).toThrow(c.message);
      return;
    }
    const choice = chooseEncoder(c.probed, c.requested);
    expect(choice.chosen).toBe(c.chosen);
    expect(choice.skipped.map((s) => s.id)).toEqual(c.skipped);
  });

  it('EncoderUnavailable is a runtime error (exit 1)', () => {
    expect(new EncoderUnavailable('x').kind).toBe('runtime');
  });
});

describe('describeEncoderChoice', () => {
  const cases: Array<[Parameters<typeof describeEncoderChoice>[0], string]> = [
    [{ chosen: 'vaapi', detail: 'vah264enc', skipped: [] }, 'encoder: vaapi (vah264enc)'],
    [
      { chosen: 'x264', detail: 'x264enc, software', skipped: [{ id: 'vaapi', reason: 'no VA device', provider: 'mesa-va-drivers' }, { id: 'nvenc', reason: 'no NVIDIA driver' }] },
      'encoder: x264 (x264enc, software); vaapi skipped: no VA device; install mesa-va-drivers; nvenc skipped: no NVIDIA driver',
    ],
  ];
  it.each(cases)('%j', (choice, line) => expect(describeEncoderChoice(choice)).toBe(line));
});

describe('resolveEncoderChoice', () => {
  it('stops probing at the first usable encoder with auto', async () => {
    const probedIds: string[] = [];
    const results: Record<string, ProbeResult> = { vaapi: no('none'), nvenc: ok('nvh264enc'), x264: ok('x264enc') };
    const choice = await resolveEncoderChoice('auto', ['x264', 'nvenc', 'vaapi'], async (id) => {
      probedIds.push(id);
      return results[id]!;
    });
    expect(choice.chosen).toBe('nvenc');
    expect(probedIds).toEqual(['vaapi', 'nvenc']);
  });
  it('probes only the requested encoder', async () => {
    const probedIds: string[] = [];
    await expect(
      resolveEncoderChoice('vaapi', ['x264', 'vaapi'], async (id) => {
        probedIds.push(id);
        return no('no VA render device');
      }),
    ).rejects.toThrow(EncoderUnavailable);
    expect(probedIds).toEqual(['vaapi']);
  });
});
