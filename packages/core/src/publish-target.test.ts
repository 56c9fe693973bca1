import { describe, expect, it } from 'vitest';
import { UsageError } from './errors.js';
import { parsePublishTarget, redactPublishUrl, scrubSecrets } from './publish-target.js';

describe('redactPublishUrl', () => {
  it.each([
    ['srt://127.0.0.1:9000', 'srt://127.0.0.1:9000'],
    ['srt://host:9000?streamid=publish:cam:alice:hunter2', 'srt://host:9000?streamid=***'],
    ['srt://host:8890?streamid=#!::r=live,m=publish,u=al,s=pw&latency=200', 'srt://host:8890?streamid=***&latency=200'],
    ['srt://host:9000?passphrase=0123456789ab&pbkeylen=16&mode=caller', 'srt://host:9000?passphrase=***&pbkeylen=16&mode=caller'],
    ['srt://host:9000?srt_streamid=x&token=y&flag', 'srt://host:9000?srt_streamid=***&token=***&***'],
    ['srt://host:9000?LATENCY=120', 'srt://host:9000?LATENCY=120'],
    ['srt://[::1]:9000?streamid=s', 'srt://[::1]:9000?streamid=***'],
    ['rtmp://127.0.0.1/live/streamkey123', 'rtmp://127.0.0.1/live/***'],
    ['rtmp://a.example:1935/app/sub/KEY?pwd=p', 'rtmp://a.example:1935/app/sub/***?pwd=***'],
    ['rtmp://host/live/key/', 'rtmp://host/live/***'],
    ['rtmps://user:pass@host/live/key', 'rtmps://***@host/live/***'],
    ['srt://user:pass@host:9000', 'srt://***@host:9000'],
    ['http://user:pw@example/x/y?q=1', 'http://***@example/x/***?q=***'],
    // Not URLs: cut before the first character that could start a credential.
    ['not a url', 'not a url'],
    ['rtmp:/host/app/key', 'rtmp:…'],
    ['srt//host:1?streamid=x', 'srt…'],
    ['justastreamkeythatislongerthan32characters', 'justastreamkeythatislongerthan32…'],
    ['', ''],
  ])('%s → %s', (raw, shown) => expect(redactPublishUrl(raw)).toBe(shown));
});

describe('parsePublishTarget', () => {
  it.each([
    ['srt://127.0.0.1:9000', { protocol: 'srt', name: 'srt://127.0.0.1:9000' }],
    ['srt://media.example:8890?streamid=publish:cam&latency=200', { protocol: 'srt', name: 'srt://media.example:8890' }],
    ['SRT://host:9000/', { protocol: 'srt', name: 'srt://host:9000' }],
    ['srt://host:9000?mode=caller', { protocol: 'srt', name: 'srt://host:9000' }],
    ['srt://[::1]:9000', { protocol: 'srt', name: 'srt://[::1]:9000' }],
    ['rtmp://127.0.0.1/live/key', { protocol: 'rtmp', name: 'rtmp://127.0.0.1:1935/live' }],
    ['rtmp://host:1936/app/inst/key', { protocol: 'rtmp', name: 'rtmp://host:1936/app/inst' }],
    ['rtmps://live.example/app/key', { protocol: 'rtmp', name: 'rtmps://live.example:443/app' }],
  ] as const)('%s is a %o', (raw, expected) => {
    const t = parsePublishTarget(raw);
    expect(t).toMatchObject(expected);
    expect(t.url).toBe(raw);
  });

  it.each([
    ['not a url', '--publish: "not a url" is not a URL; use srt://host:port?streamid=… or rtmp://host/app/stream-key'],
    ['http://host/x', '--publish: unknown scheme "http://"; use srt://host:port?streamid=… or rtmp://host/app/stream-key'],
    ['udp://u:secret@host:1234', '--publish: unknown scheme "udp://"; use srt://host:port?streamid=… or rtmp://host/app/stream-key'],
    ['srt://host?streamid=s3cret', '--publish srt://host?streamid=***: an SRT URL needs a port (srt://host:port)'],
    ['srt://host:0', '--publish srt://host:0: the port must be a number from 1 to 65535'],
    ['srt://host:70000', '--publish srt://host:70000: the port must be a number from 1 to 65535'],
    ['srt://host:port', '--publish srt://host:port: the port must be a number from 1 to 65535'],
    ['srt://:9000', '--publish srt://:9000: has no valid host'],
    ['srt://ho_st:9000', '--publish srt://ho_st:9000: has no valid host'],
    ['srt://a:b:c', '--publish srt://a:b:c: has no valid host'],
    ['srt://host:9000/live', '--publish srt://host:9000/live: an SRT URL has no path; options go in the query (srt://host:port?streamid=…)'],
    ['srt://host:9000?mode=listener&passphrase=abcdefghij', '--publish srt://host:9000?mode=listener&passphrase=***: publishing calls the server: leave out mode= (or use mode=caller)'],
    ['rtmp://host/onlykey', '--publish rtmp://host/***: an RTMP URL needs the application and the stream key (rtmp://host/app/stream-key)'],
    ['rtmp://host', '--publish rtmp://host: an RTMP URL needs the application and the stream key (rtmp://host/app/stream-key)'],
    ['rtmp://host/live/key with space', '--publish rtmp://host/live/***: a URL has no spaces or control characters'],
  ])('%s → %s', (raw, message) => {
    let err: unknown;
    try {
      parsePublishTarget(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(message);
    expect((err as Error).message).not.toContain('\n');
  });

  it('knows every credential of a URL, raw and decoded, longest first', () => {
    expect(parsePublishTarget('rtmp://bob:pa%40ss@host/live/k%2Fey?auth=tok&x=').secrets).toEqual([
      'bob:pa%40ss',
      'bob:pa@ss',
      'pa%40ss',
      'k%2Fey',
      'pa@ss',
      'k/ey',
      'bob',
      'tok',
    ]);
    expect(parsePublishTarget('srt://host:9000?streamid=id1&latency=200&passphrase=longpassphrase').secrets).toEqual(['longpassphrase', 'id1']);
    expect(parsePublishTarget('srt://host:9000?latency=200').secrets).toEqual([]);
  });
});

describe('scrubSecrets', () => {
  const srt = parsePublishTarget('srt://127.0.0.1:9000?streamid=publish:cam:alice:hunter2&passphrase=verysecret123');
  const rtmp = parsePublishTarget('rtmp://127.0.0.1/live/SECRETKEY');
  it.each([
    [
      srt,
      '[srt @ 0x55] Connection to srt://127.0.0.1:9000?streamid=publish:cam:alice:hunter2&passphrase=verysecret123 failed: Input/output error',
      '[srt @ 0x55] Connection to srt://127.0.0.1:9000?streamid=***&passphrase=*** failed: Input/output error',
    ],
    [srt, 'stream id publish:cam:alice:hunter2 rejected', 'stream id *** rejected'],
    [rtmp, 'rtmp://127.0.0.1/live/SECRETKEY: Connection refused', 'rtmp://127.0.0.1/live/***: Connection refused'],
    [rtmp, '[rtmp @ 0x1] Server error: stream SECRETKEY is already publishing', '[rtmp @ 0x1] Server error: stream *** is already publishing'],
    [rtmp, 'nothing secret here', 'nothing secret here'],
  ])('%#', (target, text, scrubbed) => expect(scrubSecrets(text, target)).toBe(scrubbed));
});
