import { describe, expect, it } from 'vitest';
import { doctorExitCode, formatResults, formatVerdict, verdict, type CheckResult } from './doctor.js';

const ok = (label: string, need: CheckResult['need'], extra: Partial<CheckResult> = {}): CheckResult => ({ label, status: 'ok', need, ...extra });
const fail = (label: string, need: CheckResult['need'], extra: Partial<CheckResult> = {}): CheckResult => ({
  label,
  status: 'fail',
  need,
  ...extra,
});

describe('verdict', () => {
  const encoders = (vaapi: boolean, x264: boolean): CheckResult[] => [
    (vaapi ? ok : fail)('encoder vaapi', 'host', { anyOf: { group: 'encoder', option: 'vaapi' } }),
    (x264 ? ok : fail)('encoder x264', 'host', { anyOf: { group: 'encoder', option: 'x264' } }),
  ];
  const players = (mpv: boolean, vlc: boolean, plugins: boolean): CheckResult[] => [
    (mpv ? ok : fail)('mpv', 'view', { anyOf: { group: 'player', option: 'mpv' } }),
    (vlc ? ok : fail)('VLC', 'view', { anyOf: { group: 'player', option: 'vlc' } }),
    (plugins ? ok : fail)('VLC plugins', 'view', { anyOf: { group: 'player', option: 'vlc' } }),
  ];
  it.each([
    ['all fine', [...encoders(false, true), ...players(true, true, true)], { host: true, view: true }],
    ['no encoder', [...encoders(false, false), ...players(true, false, false)], { host: false, view: true }],
    ['vlc without plugins only', [...encoders(true, true), ...players(false, true, false)], { host: true, view: false }],
    ['vlc with plugins only', [...encoders(true, true), ...players(false, true, true)], { host: true, view: true }],
    ['advice never blocks', [...encoders(false, true), ...players(true, false, false), fail('clipboard', 'advice')], { host: true, view: true }],
    ['both-need blocks both', [...encoders(false, true), ...players(true, false, false), fail('iroh', 'both')], { host: false, view: false }],
    ['info is neutral', [ok('gst', 'host'), { label: 'offline', status: 'info', need: 'advice' } as CheckResult], { host: true, view: true }],
  ] as const)('%s', (_, results, expected) => {
    expect(verdict(results)).toEqual(expected);
    expect(doctorExitCode(verdict(results))).toBe(expected.host && expected.view ? 0 : 1);
  });
});

describe('formatResults', () => {
  it('marks, details, install hints, covered alternatives and optional checks', () => {
    expect(
      formatResults([
        ok('gst-launch-1.0', 'host', { detail: '1.22.0' }),
        fail('encoder vaapi', 'host', { detail: 'no VA device', install: 'a VA-API driver', anyOf: { group: 'encoder', option: 'vaapi' } }),
        ok('encoder x264', 'host', { anyOf: { group: 'encoder', option: 'x264' } }),
        fail('mpv', 'view', { install: 'mpv', anyOf: { group: 'player', option: 'mpv' } }),
        fail('clipboard tool', 'advice', { install: 'xclip or xsel' }),
        { label: 'offline: relay not checked', status: 'info', need: 'advice' },
      ]),
    ).toEqual([
      '✓ gst-launch-1.0 (1.22.0)',
      '– encoder vaapi (no VA device) — install a VA-API driver',
      '✓ encoder x264',
      '✗ mpv — install mpv',
      '✗ clipboard tool — install xclip or xsel [optional]',
      '– offline: relay not checked',
    ]);
  });

  it('sums up', () => {
    expect(formatVerdict({ host: true, view: false })).toBe('hosting: ready · viewing: NOT ready');
  });
});
