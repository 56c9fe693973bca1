import { describe, expect, it } from 'vitest';
import { BroadcastHub } from './broadcast-hub.js';
import { CaptureSupervisor, type CaptureRun } from './capture-supervisor.js';
import { base32Encode } from './share-ticket.js';
import { HostAdmission } from './host-admission.js';
import { StreamGate, type StreamGateOptions } from './stream-gate.js';
import { parseHostInfo, parseViewerStatus, REFUSAL_HEADER, tunnelRequest } from './tunnel-protocol.js';
import { FakePeerStream, flush, RecordingLogger } from './test-support/fakes.js';
import { concatBytes, H264_STREAMS, patPacket, pmtPacket, videoFrame } from './test-support/ts-synth.js';

const SECRET = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
const BEARER = `Bearer ${base32Encode(SECRET)}`;
const req = (text: string): Uint8Array => Buffer.from(text, 'latin1');

function setup(options: Partial<StreamGateOptions> = {}, startRun?: (signal: AbortSignal) => Promise<CaptureRun>) {
  const hub = new BroadcastHub();
  const runs: Array<{ stopped: boolean }> = [];
  const supervisor = new CaptureSupervisor(
    startRun ??
      (async () => {
        const r = { stopped: false };
        runs.push(r);
        let exit!: (s: string) => void;
        const exited = new Promise<string>((res) => (exit = res));
        return {
          exited,
          stop: async () => {
            r.stopped = true;
            exit('');
          },
        };
      }),
    0,
  );
  const log = new RecordingLogger();
  const admission = new HostAdmission(log);
  // Gate tests feed streams on connections the listener never reported: open them as it would.
  for (let id = 1; id <= 8; id++) {
    admission.beforeHandshake();
    admission.opened({ id, peer: { id: `peer-${id}`, shortId: `p${id}`, path: () => ({ kind: 'direct', rttMs: 2 }) }, close: () => undefined });
  }
  const gate = new StreamGate(
    { secret: SECRET, maxViewers: 2, limits: { maxHeadBytes: 1024, timeoutMs: 200 }, hostName: 'my host', ...options },
    hub,
    supervisor,
    log,
    admission,
  );
  return { hub, supervisor, log, gate, runs, admission };
}

/** The final status (after any interim 102). */
function statusOf(s: FakePeerStream): number {
  const all = [...s.response().matchAll(/^HTTP\/1\.1 (\d{3})/gm)].map((m) => Number(m[1]));
  return all.filter((c) => c >= 200)[0] ?? all[0] ?? NaN;
}

function refusalCode(s: FakePeerStream): string | undefined {
  return new RegExp(`^${REFUSAL_HEADER}: (.+)\r$`, 'mi').exec(s.response())?.[1];
}

describe('StreamGate refusals', () => {
  it.each([
    ['wrong secret', `GET /stream HTTP/1.1\r\nAuthorization: Bearer ${'a'.repeat(32)}\r\n\r\n`, 403, /not valid for this host/],
    ['missing secret', 'GET /stream HTTP/1.1\r\nHost: x\r\n\r\n', 403, /not valid for this host/],
    ['secret of the wrong length', 'GET /stream HTTP/1.1\r\nAuthorization: Bearer abc\r\n\r\n', 403, /not valid for this host/],
    ['wrong path', `GET /other HTTP/1.1\r\nAuthorization: ${BEARER}\r\n\r\n`, 404, /not found/],
    ['not GET', `POST /stream HTTP/1.1\r\nAuthorization: ${BEARER}\r\n\r\n`, 405, /only GET/],
    ['head too large', `GET /stream HTTP/1.1\r\nX-Pad: ${'x'.repeat(2000)}\r\n\r\n`, 431, /too large/],
    ['malformed request line', 'GET\r\n\r\n', 400, /malformed/],
    ['stream ends before the request', '', 400, /ended before/],
  ])('%s → %i', async (_name, text, status, body) => {
    const { gate, supervisor } = setup();
    const stream = new FakePeerStream(text ? [req(text)] : []);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(status);
    expect(stream.response()).toMatch(body);
    expect(stream.response()).toMatch(/Connection: close/);
    expect(stream.finished).toBe(true);
    expect(supervisor.starts).toBe(0);
  });

  it('a request split into 1-byte pieces is still read', async () => {
    const { gate } = setup();
    const bytes = tunnelRequest(SECRET);
    const stream = new FakePeerStream([...bytes].map((b) => Uint8Array.of(b)));
    const handling = gate.handle(stream);
    await flush();
    expect(statusOf(stream)).toBe(200);
    stream.closeRead();
    await handling;
  });

  it('a viewer that does not finish its request in time gets 408', async () => {
    const { gate } = setup({ limits: { maxHeadBytes: 1024, timeoutMs: 50 } });
    const stream = new FakePeerStream([req('GET /stream HTTP/1.1\r\n'), 'hang']);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(408);
  });

  it('a wrong secret is logged without the secret', async () => {
    const { gate, log } = setup();
    await gate.handle(new FakePeerStream([req(`GET /stream HTTP/1.1\r\nAuthorization: Bearer ${'b'.repeat(32)}\r\n\r\n`)]));
    expect(log.lines).toEqual(['warn: refused a stream from peer1: wrong or missing ticket secret']);
  });

  it('a host that declines gets 403 "declined" and no capture; the viewer was told it waits first', async () => {
    const { gate, supervisor } = setup({ approve: async () => false });
    const stream = new FakePeerStream([tunnelRequest(SECRET)]);
    await gate.handle(stream);
    expect(stream.response()).toMatch(/^HTTP\/1\.1 102 Processing\r\n\r\nHTTP\/1\.1 403 /);
    expect(statusOf(stream)).toBe(403);
    expect(refusalCode(stream)).toBe('declined');
    expect(stream.response()).toMatch(/the host declined/);
    expect(supervisor.starts).toBe(0);
  });

  it('a viewer waiting for approval holds no slot; the pending ones are bounded', async () => {
    const answers: Array<(ok: boolean) => void> = [];
    const { gate } = setup({ maxViewers: 1, maxPendingApprovals: 2, approve: () => new Promise<boolean>((r) => answers.push(r)) });
    const a = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const b = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const c = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const handling = [gate.handle(a), gate.handle(b)];
    await flush();
    expect(gate.activeViewers).toBe(0);
    await gate.handle(c);
    expect(statusOf(c)).toBe(503);
    expect(c.response()).toMatch(/busy answering/);
    answers[0]!(true);
    await flush();
    expect(statusOf(a)).toBe(200);
    // Approved while the one place was taken: full, said so.
    answers[1]!(true);
    await flush();
    expect(statusOf(b)).toBe(503);
    expect(refusalCode(b)).toBe('full');
    a.closeRead();
    await Promise.all(handling);
  });

  it('a capture that cannot start is a 503 with the reason', async () => {
    const { gate } = setup({}, async () => {
      throw new Error('no display');
    });
    const stream = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(503);
    expect(refusalCode(stream)).toBe('capture-failed');
    expect(stream.response()).toMatch(/the host could not start sharing: no display/);
  });

  it('never rejects, even when the viewer vanishes mid-response', async () => {
    const { gate, log, supervisor, gate: g } = setup();
    const stream = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    stream.failHeadWrite = true;
    await expect(gate.handle(stream)).resolves.toBeUndefined();
    expect(stream.aborted).toBe(true);
    expect(log.lines.at(-1)).toMatch(/stream from peer1 failed: connection lost/);
    expect(g.activeViewers).toBe(0);
    expect(supervisor.holders).toBe(0);
  });
});

describe('StreamGate serving', () => {
  it('admits a viewer: 200 video/mp2t, then the hub stream; leaving releases capture', async () => {
    const { gate, hub, supervisor } = setup();
    const stream = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const handling = gate.handle(stream);
    await flush();
    expect(statusOf(stream)).toBe(200);
    expect(stream.response()).toMatch(/Content-Type: video\/mp2t/);
    // The host's name travels once, on /info.
    expect(stream.response()).not.toMatch(/my host|my%20host/);
    expect(supervisor.running).toBe(true);
    expect(gate.activeViewers).toBe(1);
    hub.publish(concatBytes([patPacket(), pmtPacket(H264_STREAMS), ...videoFrame({ key: true })]));
    await flush();
    expect(stream.chunks.length).toBeGreaterThan(0);
    stream.closeRead();
    await handling;
    expect(gate.activeViewers).toBe(0);
    expect(hub.viewerCount).toBe(0);
    expect(supervisor.holders).toBe(0);
  });

  it('the viewer past --max-viewers gets 503 "host is full" and a log line; the others are unaffected', async () => {
    const { gate, hub, log, runs } = setup({ maxViewers: 2 });
    const a = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const b = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const servingA = gate.handle(a);
    const servingB = gate.handle(b);
    await flush();
    const c = new FakePeerStream([tunnelRequest(SECRET), 'hang'], { id: 'x', shortId: 'peer3', path: () => ({ kind: 'relay', rttMs: 40 }) });
    await gate.handle(c);
    expect(statusOf(c)).toBe(503);
    expect(c.response()).toMatch(/the host is full \(2 of 2 watching\); try again later/);
    expect(refusalCode(c)).toBe('full');
    expect(c.response()).toMatch(/Content-Type: text\/plain/);
    expect(c.chunks).toHaveLength(0);
    expect(log.lines).toContain('warn: viewer peer3 refused: host is full (2 viewers)');
    expect(hub.viewerCount).toBe(2);
    expect(runs).toHaveLength(1);
    expect([statusOf(a), statusOf(b)]).toEqual([200, 200]);
    expect(a.finished || a.aborted || b.finished || b.aborted).toBe(false);

    // A freed place is taken by the next viewer.
    a.closeRead();
    await servingA;
    const d = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const servingD = gate.handle(d);
    await flush();
    expect(statusOf(d)).toBe(200);
    b.closeRead();
    d.closeRead();
    await Promise.all([servingB, servingD]);
  });

  it('the hub knows the viewer peer path (for the host status)', async () => {
    const { gate, hub } = setup();
    const joined: string[] = [];
    hub.on('viewer-joined', (label, v) => joined.push(`${label} ${v.path.kind} ${v.path.rttMs}`));
    const s = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const serving = gate.handle(s);
    await flush();
    expect(joined).toEqual(['peer1 direct 2']);
    s.closeRead();
    await serving;
  });
});

describe('StreamGate /info', () => {
  it('tells the host name to a viewer with the secret, without starting capture', async () => {
    const { gate, supervisor } = setup({ hostName: 'alice-laptop' });
    const stream = new FakePeerStream([tunnelRequest(SECRET, '/info')]);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(200);
    expect(parseHostInfo(stream.response().split('\r\n\r\n')[1]!)).toEqual({ name: 'alice-laptop' });
    expect(supervisor.starts).toBe(0);
    expect(gate.activeViewers).toBe(0);
  });

  it('tells nothing without the secret', async () => {
    const { gate } = setup({ hostName: 'alice-laptop' });
    const stream = new FakePeerStream([req('GET /info HTTP/1.1\r\n\r\n')]);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(403);
    expect(stream.response()).not.toContain('alice');
  });
});

describe('StreamGate /status', () => {
  it('tells a watching peer the rendition its stream gets; a peer watching nothing gets 404', async () => {
    const { gate, hub } = setup();
    hub.setLadder([{ bitrateBps: 4e6, label: '720p 4.0 Mbit/s' }, { bitrateBps: 1e6, label: '480p 1.0 Mbit/s' }]);
    const idle = new FakePeerStream([tunnelRequest(SECRET, '/status')], { id: 'someone-else', shortId: 'other', path: () => ({ kind: 'direct', rttMs: 1 }) });
    await gate.handle(idle);
    expect(statusOf(idle)).toBe(404);
    const watching = new FakePeerStream([tunnelRequest(SECRET), 'hang']);
    const serving = gate.handle(watching);
    await flush();
    const asks = new FakePeerStream([tunnelRequest(SECRET, '/status')]);
    await gate.handle(asks);
    expect(statusOf(asks)).toBe(200);
    expect(parseViewerStatus(asks.response().split('\r\n\r\n')[1]!)).toMatchObject({ rendition: '720p 4.0 Mbit/s', index: 0, renditions: 2 });
    watching.closeRead();
    await serving;
    const after = new FakePeerStream([tunnelRequest(SECRET, '/status')]);
    await gate.handle(after);
    expect(statusOf(after)).toBe(404);
  });
});

describe('parseViewerStatus', () => {
  it.each([
    ['a status', '{"rendition":"720p 2.0 Mbit/s","index":1,"renditions":4,"rateBps":2100000,"delayMs":90}', { rendition: '720p 2.0 Mbit/s', index: 1, renditions: 4, rateBps: 2100000, delayMs: 90 }],
    ['no rate yet', '{"rendition":"","index":0,"renditions":1,"delayMs":0}', { rendition: '', index: 0, renditions: 1, rateBps: undefined, delayMs: 0 }],
    ['control characters in the name are removed', '{"rendition":"720p\\u001b[2J","index":0,"renditions":2,"delayMs":5}', { rendition: '720p[2J', index: 0, renditions: 2, rateBps: undefined, delayMs: 5 }],
    ['an index past the ladder', '{"rendition":"x","index":4,"renditions":4,"delayMs":0}', undefined],
    ['a negative delay', '{"rendition":"x","index":0,"renditions":1,"delayMs":-1}', undefined],
    ['not JSON', 'nope', undefined],
  ])('%s', (_n, body, expected) => {
    expect(parseViewerStatus(body)).toEqual(expected);
  });
});

describe('parseHostInfo', () => {
  it.each([
    ['a name', '{"name":"bob"}', { name: 'bob' }],
    ['C0 control characters are removed', '{"name":"b\\u001b[2Job"}', { name: 'b[2Job' }],
    ['C1 controls (CSI) are removed', '{"name":"b\\u009b2Job"}', { name: 'b2Job' }],
    ['bidi overrides and isolates are removed', '{"name":"\\u202eevil\\u2066x\\u2069"}', { name: 'evilx' }],
    ['long names are cut', JSON.stringify({ name: 'x'.repeat(100) }), { name: 'x'.repeat(64) }],
    ['not JSON', 'bob', undefined],
    ['no name', '{"host":"bob"}', undefined],
    ['empty name', '{"name":"  "}', undefined],
  ])('%s', (_name, body, expected) => {
    expect(parseHostInfo(body)).toEqual(expected);
  });
});

describe('StreamGate before authentication', () => {
  const wrong = () => req(`GET /stream HTTP/1.1\r\nAuthorization: Bearer ${'b'.repeat(32)}\r\n\r\n`);

  it.each([
    ['wrong secret', [wrong(), req('junk that keeps coming')], 403, true],
    ['408', [req('GET /stream HTTP/1.1\r\n'), 'hang'], 408, true],
    ['malformed', [req('GET\r\n\r\n')], 400, true],
    ['bad path with the secret', [req(`GET /x HTTP/1.1\r\nAuthorization: ${BEARER}\r\n\r\n`)], 404, false],
  ] as const)('a refused stream (%s) is stopped both ways; its connection is closed unless it presented the secret', async (_name, input, status, closes) => {
    const { gate } = setup({ limits: { maxHeadBytes: 1024, timeoutMs: 50 } });
    const stream = new FakePeerStream([...input]);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(status);
    expect(stream.stopped, 'peer side stopped').toBe(true);
    expect(stream.finished, 'our side finished').toBe(true);
    expect(stream.connection.closedWith !== undefined, 'connection closed').toBe(closes);
  });

  it('reads the head in small pieces, whatever the head limit', async () => {
    const { gate } = setup({ limits: { maxHeadBytes: 8192, timeoutMs: 50 } });
    const stream = new FakePeerStream([req('GET /stream HTTP/1.1\r\n'), req('X: y\r\n'), 'hang']);
    await gate.handle(stream);
    expect(stream.readSizes.length).toBeGreaterThan(1);
    for (const n of stream.readSizes) expect(n).toBeLessThanOrEqual(1024);
  });

  it('streams over the per-connection budget are reset unanswered, and their unauthenticated connection closed', async () => {
    const { gate, log } = setup({ limits: { maxHeadBytes: 1024, timeoutMs: 100 } });
    const streams = Array.from({ length: 10 }, () => new FakePeerStream([req('G'), 'hang']));
    const handling = streams.map((s) => gate.handle(s));
    await flush();
    const reset = streams.filter((s) => s.aborted && s.written.length === 0);
    expect(reset).toHaveLength(2);
    expect(streams[9]!.connection.closedWith?.code).toBe(3);
    await Promise.all(handling);
    expect(log.lines.filter((l) => /too many streams at once/.test(l))).toEqual(['warn: refused a stream from peer1: too many streams at once']);
  });

  it('a flood of wrong secrets is one line now and one summary, not a line each', async () => {
    const clock = { t: 0 };
    const { gate, log } = setup();
    const admission = new HostAdmission(log, { now: () => clock.t });
    admission.beforeHandshake();
    admission.opened({ id: 1, peer: { id: 'peer-full-id', shortId: 'peer1', path: () => ({ kind: 'direct', rttMs: 2 }) }, close: () => undefined });
    const floodGate = new StreamGate({ secret: SECRET, maxViewers: 2, hostName: 'h' }, new BroadcastHub(), new CaptureSupervisor(async () => ({ exited: new Promise(() => undefined), stop: async () => undefined }), 0), log, admission);
    void gate;
    for (let i = 0; i < 500; i++) await floodGate.handle(new FakePeerStream([wrong()]));
    clock.t += 10_000;
    admission.sweep();
    expect(log.lines.filter((l) => l.includes('refused'))).toEqual([
      'warn: refused a stream from peer1: wrong or missing ticket secret',
      'warn: refused 500 streams from 1 peer in the last 10 s: wrong or missing ticket secret',
    ]);
  });

  it("--approve says 'busy' when the host was asked too often: 503, no prompt", async () => {
    const { gate } = setup({ approve: async () => 'busy' });
    const stream = new FakePeerStream([tunnelRequest(SECRET)]);
    await gate.handle(stream);
    expect(statusOf(stream)).toBe(503);
    expect(stream.response()).toMatch(/busy answering/);
    expect(stream.connection.closedWith).toBeUndefined();
  });
});
