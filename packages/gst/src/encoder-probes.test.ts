import { describe, expect, it } from 'vitest';
import type { ProbeResult } from '@pixelpass/core';
import type { ElementPresence } from './gst-inspect.js';
import type { GstCommands } from './gst-commands.js';
import type { TestEncodeOutcome } from './test-encode.js';
import { HARDWARE_TEST_ENCODE_TIMEOUT_MS, SOFTWARE_TEST_ENCODE_TIMEOUT_MS, findWorkingVariant, probeSoftwareEncoder } from './encoder-probes.js';

const fail = (message: string, extra: Partial<{ hung: boolean; noOutput: boolean }> = {}): TestEncodeOutcome => ({
  ok: false,
  message,
  hung: extra.hung ?? false,
  noOutput: extra.noOutput ?? false,
});

/** Answers from a table; records what was test-encoded and with which timeout. */
function fakeGst(presence: ElementPresence, encode: (fragment: string) => TestEncodeOutcome) {
  const encoded: Array<{ fragment: string; timeoutMs: number }> = [];
  const gst: GstCommands = {
    inspectElement: async () => presence,
    pluginFeatures: async () => undefined,
    testEncode: async (fragment, { timeoutMs }) => (encoded.push({ fragment, timeoutMs }), encode(fragment)),
  };
  return { gst, encoded };
}

describe('probeSoftwareEncoder', () => {
  const spec = { element: 'x264enc', provider: 'gstreamer1.0-plugins-ugly', fragment: 'x264enc bitrate=2000' };
  const cases: Array<[string, ElementPresence, TestEncodeOutcome, ProbeResult, boolean]> = [
    ['works', 'present', { ok: true }, { usable: true, detail: 'x264enc, software' }, false],
    ['element missing', 'absent', { ok: true }, { usable: false, reason: 'GStreamer element x264enc not found', provider: 'gstreamer1.0-plugins-ugly' }, false],
    ['gst-inspect hangs (cold registry)', 'timeout', { ok: true }, { usable: false, reason: 'gst-inspect-1.0 did not answer within 30 s' }, true],
    ['no gst-inspect-1.0', 'no-gst-inspect', { ok: true }, { usable: false, reason: 'gst-inspect-1.0 is missing', provider: 'gstreamer1.0-tools' }, false],
    ['test encode hangs', 'present', fail('the test encode hung (no end after 30 s)', { hung: true }), { usable: false, reason: 'x264enc test encode did not finish within 30 s' }, true],
    ['test encode writes nothing', 'present', fail('the encoder produced no output', { noOutput: true }), { usable: false, reason: 'x264enc test encode failed (no output)' }, false],
    ['test encode fails', 'present', fail('no property "tune" in element "x264enc0"'), { usable: false, reason: 'x264enc test encode failed (no property "tune" in element "x264enc0")' }, false],
  ];
  it.each(cases)('%s', async (_name, presence, outcome, result, transient) => {
    const { gst, encoded } = fakeGst(presence, () => outcome);
    expect(await probeSoftwareEncoder(spec, gst)).toEqual({ result, transient });
    expect(encoded).toEqual(presence === 'present' ? [{ fragment: spec.fragment, timeoutMs: SOFTWARE_TEST_ENCODE_TIMEOUT_MS }] : []);
  });
});

describe('findWorkingVariant', () => {
  type V = { element: string; tuning: string };
  const variants: V[] = [
    { element: 'a', tuning: 'fast' },
    { element: 'a', tuning: 'plain' },
    { element: 'b', tuning: 'plain' },
  ];
  const fragment = (v: V) => `${v.element} ${v.tuning}`;

  it('keeps the first that works, in order, with the hardware timeout', async () => {
    const { gst, encoded } = fakeGst('present', (f) => (f === 'a plain' ? { ok: true } : fail('rejected')));
    expect(await findWorkingVariant(variants, fragment, gst)).toEqual({ found: variants[1] });
    expect(encoded).toEqual([
      { fragment: 'a fast', timeoutMs: HARDWARE_TEST_ENCODE_TIMEOUT_MS },
      { fragment: 'a plain', timeoutMs: HARDWARE_TEST_ENCODE_TIMEOUT_MS },
    ]);
  });

  it('skips the other variants of an element that hung', async () => {
    const { gst, encoded } = fakeGst('present', (f) => (f.startsWith('a') ? fail('hung', { hung: true }) : { ok: true }));
    expect(await findWorkingVariant(variants, fragment, gst)).toEqual({ found: variants[2] });
    expect(encoded.map((e) => e.fragment)).toEqual(['a fast', 'b plain']);
  });

  it('reports the first failure when none works', async () => {
    const { gst } = fakeGst('present', (f) => fail(`failed: ${f}`));
    expect(await findWorkingVariant(variants, fragment, gst)).toEqual({ testFailure: { element: 'a', message: 'failed: a fast' } });
  });

  it('no variants: no failure either', async () => {
    const { gst } = fakeGst('present', () => ({ ok: true }));
    expect(await findWorkingVariant([], fragment, gst)).toEqual({ testFailure: undefined });
  });
});
