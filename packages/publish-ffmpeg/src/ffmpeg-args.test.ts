import { parsePublishTarget } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { failureReason, outputProtocols, publishArgs } from './ffmpeg-args.js';

const SRT = parsePublishTarget('srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123');
const RTMP = parsePublishTarget('rtmp://127.0.0.1:19003/live/SECRETKEY');

describe('publishArgs', () => {
  it('SRT: MPEG-TS in, the same streams copied to MPEG-TS out', () => {
    const args = publishArgs(SRT);
    expect(args.join(' ')).toBe(
      '-hide_banner -nostdin -nostats -loglevel error -f mpegts -probesize 1000000 -analyzeduration 1000000 -i pipe:0 ' +
        '-map 0:v -map 0:a? -c copy -progress pipe:1 -stats_period 1 -f mpegts ' +
        'srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123',
    );
  });
  it('RTMP: remuxed to FLV, never re-encoded', () => {
    const args = publishArgs(RTMP);
    expect(args.slice(-5, -1)).toEqual(['-f', 'flv', '-flvflags', 'no_duration_filesize']);
    expect(args.at(-1)).toBe(RTMP.url);
    expect(args[args.indexOf('-c') + 1]).toBe('copy');
  });
});

describe('failureReason', () => {
  // What ffmpeg 5.1 prints, as seen on Debian 12.
  it.each([
    [
      'SRT, nobody listening',
      SRT,
      false,
      [
        '[srt @ 0x564612e02540] Connection to srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123 failed: Input/output error',
        'srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123: Input/output error',
      ],
      'no SRT listener answered, or it refused the stream (stream id, passphrase)',
    ],
    [
      'SRT, the server went away mid-stream',
      SRT,
      true,
      [
        'av_interleaved_write_frame(): Input/output error',
        'Error writing trailer of srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123: Input/output error',
        'Error closing file srt://127.0.0.1:19002?streamid=SECRET&passphrase=verysecret123: Input/output error',
      ],
      'the SRT connection broke (the server went away or stopped reading)',
    ],
    [
      'RTMP, connection refused',
      RTMP,
      false,
      [
        '[tcp @ 0x563664e2ea40] Connection to tcp://127.0.0.1:19003?tcp_nodelay=0 failed: Connection refused',
        '[rtmp @ 0x563664d642c0] Cannot open connection tcp://127.0.0.1:19003?tcp_nodelay=0',
        'rtmp://127.0.0.1:19003/live/SECRETKEY: Connection refused',
      ],
      'connection refused (is the server running and listening there?)',
    ],
    [
      'RTMP, the server refuses the key',
      RTMP,
      false,
      ['[rtmp @ 0x55d0] Server error: Already publishing SECRETKEY', 'rtmp://127.0.0.1:19003/live/SECRETKEY: Operation not permitted'],
      'Server error: Already publishing ***',
    ],
    ['RTMP, the server hangs up', RTMP, true, ['av_interleaved_write_frame(): Broken pipe', 'Error writing trailer of rtmp://127.0.0.1:19003/live/SECRETKEY: Broken pipe'], 'the server closed the connection (Broken pipe)'],
    ['nothing said, killed', RTMP, true, [], 'ffmpeg was killed by SIGKILL'],
  ] as const)('%s', (_name, target, connected, lines, reason) => {
    const r = failureReason(lines, target, connected, { code: null, signal: lines.length ? null : 'SIGKILL' });
    expect(r).toBe(reason);
    expect(r).not.toMatch(/SECRET|verysecret/);
  });

  it('nothing said, an exit code', () => {
    expect(failureReason([], SRT, false, { code: 1, signal: null })).toBe('ffmpeg exited with code 1');
  });
});

describe('outputProtocols', () => {
  it('reads the Output section of ffmpeg -protocols', () => {
    const text = 'Supported file protocols:\nInput:\n  async\n  srt\n  rtmp\nOutput:\n  crypto\n  file\n  rtmp\n  rtmps\n';
    expect([...outputProtocols(text)]).toEqual(['crypto', 'file', 'rtmp', 'rtmps']);
  });
});
