import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addFlags, attributeName, HOST_FLAGS, hostOptions, pictureSettings, VIEW_FLAGS, viewOptions, type HostFlags, type ViewFlags } from './flags.js';

function parseHost(args: string[]): HostFlags {
  const c = addFlags(new Command('host').exitOverride(), HOST_FLAGS);
  c.parse(args, { from: 'user' });
  return c.opts<HostFlags>();
}

describe('the flag tables', () => {
  it.each([
    ['HOST_FLAGS', HOST_FLAGS],
    ['VIEW_FLAGS', VIEW_FLAGS],
  ] as const)("%s: each key is the name commander gives the flag's value", (_n, table) => {
    for (const [key, spec] of Object.entries(table)) {
      expect(key === attributeName(spec.flags) || ('sharesValueWith' in spec && spec.sharesValueWith === attributeName(spec.flags)), key).toBe(true);
    }
  });
});

describe('hostOptions', () => {
  it('fills the defaults', () => {
    const o = hostOptions(parseHost([]));
    expect(o).toMatchObject({ source: 'auto', encoder: 'auto', audio: 'system', fps: 30, bitrateKbps: 4000, renditions: 3, keyframeIntervalSec: 2, maxViewers: 2, lingerSec: 5, join: 'live', approve: false });
    expect(o.testPattern).toEqual({ width: 1280, height: 720, pattern: 'smpte' });
  });
  it.each([
    [['--source', 'test'], { audio: 'test' }],
    [['--no-audio'], { audio: 'none' }],
    [['--audio', 'none'], { audio: 'none' }],
    [['--app', 'firefox'], { audio: 'app', app: 'firefox' }],
    [['--join', 'wait'], { join: 'wait' }],
    [['--window', 'Firefox'], { wayland: { sourceType: 'window', cursor: 'embedded', forget: false } }],
    [['--cursor', 'hidden'], { x11: expect.objectContaining({ showPointer: false }) }],
    [['--test-size', '640x480'], { testPattern: { width: 640, height: 480, pattern: 'smpte' } }],
    [['--relay', 'off'], { relay: false }],
    [['--relay', 'on'], { relay: true }],
    [['--relay', 'https://relay.example.org, http://10.0.0.1:3340'], { relay: ['https://relay.example.org', 'http://10.0.0.1:3340'] }],
    [['--bind', '127.0.0.1:0'], { bindAddr: '127.0.0.1:0' }],
    [['--bind', '[::1]:4433'], { bindAddr: '[::1]:4433' }],
    [[], { ticketIdentity: 'fresh' }],
    [['--keep-ticket'], { ticketIdentity: 'keep' }],
    [['--keep-ticket', '--new-ticket'], { ticketIdentity: 'renew' }],
    [['--new-ticket'], { ticketIdentity: 'forget' }],
  ])('%j', (args, expected) => {
    expect(hostOptions(parseHost(args))).toMatchObject(expected);
  });
  it.each([
    [['--test-size', 'banana'], /--test-size must be WIDTHxHEIGHT/],
    [['--fps', '0'], /--fps must be a whole number from 1 to 120/],
    [['--relay', 'maybe'], /--relay must be on, off or relay URLs like https:\/\/relay.example.org \(comma-separated\); "maybe" is not one/],
    [['--relay', 'https://ok.example,ftp://no'], /"ftp:\/\/no" is not one/],
    [['--bind', 'nonsense'], /--bind must be IP:PORT, e\.g\. 127\.0\.0\.1:0/],
    [['--bind', '127.0.0.1'], /--bind must be IP:PORT/],
    [['--bind', '300.1.1.1:0'], /--bind must be IP:PORT/],
    [['--bind', '127.0.0.1:70000'], /--bind must be IP:PORT/],
    [['--bind', '::1:0'], /--bind must be IP:PORT/],
    [['--publish', 'http://example/x'], /^--publish: unknown scheme "http:\/\/"/],
    [['--publish', 'rtmp://host/onlykey'], /^--publish rtmp:\/\/host\/\*\*\*: an RTMP URL needs the application and the stream key/],
  ])('%j is one clear line', (args, message) => {
    expect(() => hostOptions(parseHost(args))).toThrow(message);
  });
  it('--publish is repeatable: every target, in order, none by default', () => {
    expect(hostOptions(parseHost([])).publish).toEqual([]);
    const o = hostOptions(parseHost(['--publish', 'srt://127.0.0.1:9000?streamid=a', '--publish', 'rtmp://127.0.0.1/live/key']));
    expect(o.publish.map((t) => [t.protocol, t.redacted])).toEqual([
      ['srt', 'srt://127.0.0.1:9000?streamid=***'],
      ['rtmp', 'rtmp://127.0.0.1/live/***'],
    ]);
  });
});

describe('pictureSettings', () => {
  it.each([
    ['the default preset', { quality: 'medium', sound: true }, { fps: 30, bitrateKbps: 4000, maxHeight: undefined }],
    ['low', { quality: 'low', sound: true }, { fps: 30, bitrateKbps: 1500, maxHeight: 720 }],
    ['high', { quality: 'high', sound: true }, { fps: 60, bitrateKbps: 8000, maxHeight: undefined }],
    ['flags given win over the preset', { quality: 'high', fps: 30, bitrate: 5000, maxHeight: 1080, sound: true }, { fps: 30, bitrateKbps: 5000, maxHeight: 1080 }],
    ['--max-bitrate leaves room for sound and the MPEG-TS overhead', { quality: 'medium', maxBitrate: 2000, sound: true }, { fps: 30, bitrateKbps: 1755, maxHeight: undefined }],
    ['--max-bitrate without sound', { quality: 'medium', maxBitrate: 2000, sound: false }, { fps: 30, bitrateKbps: 1851, maxHeight: undefined }],
    ['--max-bitrate above the bitrate changes nothing', { quality: 'low', maxBitrate: 50_000, sound: true }, { fps: 30, bitrateKbps: 1500, maxHeight: 720 }],
  ] as const)('%s', (_n, input, expected) => {
    expect(pictureSettings(input)).toEqual(expected);
  });
});

describe('viewOptions', () => {
  it('--record and --json', () => {
    const c = addFlags(new Command('view').exitOverride(), VIEW_FLAGS);
    c.parse(['--record', 'out.ts', '--json', '--player', 'none'], { from: 'user' });
    const f = c.opts<ViewFlags>();
    expect(f.json).toBe(true);
    expect(viewOptions('t', f)).toMatchObject({ ticket: 't', player: 'none', record: 'out.ts' });
  });
});
