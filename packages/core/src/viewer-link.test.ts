import { describe, expect, it } from 'vitest';
import { TransportFailed } from './errors.js';
import type { Logger } from './logger.js';
import type { ConnectionEnd, HostListener, PeerStream, Transport, ViewerConnection } from './ports/transport.js';
import { HOST_STOPPED } from './tunnel-protocol.js';
import { ViewerLink } from './viewer-link.js';

/** A transport whose dials follow a script: 'fail' rejects, 'ok' connects. */
class ScriptedTransport implements Transport {
  dials = 0;
  readonly connections: Array<ViewerConnection & { drop(end: ConnectionEnd | string): void; streamsOpened: number }> = [];
  constructor(private readonly script: Array<'fail' | 'ok'>) {}
  validateAddress(): void {}
  async close(): Promise<void> {}
  listen(): Promise<HostListener> {
    throw new Error('not used');
  }
  async dial(): Promise<ViewerConnection> {
    const step = this.script[Math.min(this.dials++, this.script.length - 1)];
    if (step === 'fail') throw new TransportFailed('host unreachable');
    let resolve!: (end: ConnectionEnd) => void;
    const closed = new Promise<ConnectionEnd>((r) => (resolve = r));
    const drop = (end: ConnectionEnd | string): void => resolve(typeof end === 'string' ? { kind: 'lost', detail: end } : end);
    let dead = false;
    void closed.then(() => (dead = true));
    const conn = {
      peer: { id: 'host', shortId: 'host', path: () => ({ kind: 'direct' as const, rttMs: 1 }) },
      closed,
      streamsOpened: 0,
      drop,
      openStream: async (): Promise<PeerStream> => {
        if (dead) throw new TransportFailed('connection lost');
        conn.streamsOpened++;
        return {} as PeerStream;
      },
      close: async () => drop({ kind: 'closed-here' }),
    };
    this.connections.push(conn);
    return conn;
  }
}

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return { lines, info: (m) => lines.push(`info ${m}`), warn: (m) => lines.push(`warn ${m}`), error: (m) => lines.push(`error ${m}`) };
}

const FAST = { firstDelayMs: 5, maxDelayMs: 20, giveUpAfterMs: 2000 };

describe('ViewerLink', () => {
  it('redials with doubling backoff, capped, until the host is back', async () => {
    const t = new ScriptedTransport(['fail', 'fail', 'fail', 'fail', 'ok']);
    const log = recordingLog();
    const link = new ViewerLink(t, 'addr', log, FAST);
    await link.openStream();
    expect(t.dials).toBe(5);
    const delays = log.lines.filter((l) => l.startsWith('warn')).map((l) => Number(/retrying in (\d+) ms/.exec(l)?.[1]));
    expect(delays).toEqual([5, 10, 20, 20]);
  });

  it('a dropped connection is redialled on the next stream, and counted as a reconnect', async () => {
    const t = new ScriptedTransport(['ok']);
    const log = recordingLog();
    const link = new ViewerLink(t, 'addr', log, FAST);
    await link.connect();
    t.connections[0]!.drop('idle timeout');
    await new Promise((r) => setTimeout(r, 0));
    expect(link.connection).toBeUndefined();
    await link.openStream();
    expect(t.dials).toBe(2);
    expect(link.reconnects).toBe(1);
    expect(log.lines).toContain('warn connection to the host closed: idle timeout');
    expect(log.lines).toContain('info reconnected to the host');
  });

  it('gives up with TransportFailed once the deadline has passed', async () => {
    const t = new ScriptedTransport(['fail']);
    const link = new ViewerLink(t, 'addr', recordingLog(), { firstDelayMs: 5, maxDelayMs: 10, giveUpAfterMs: 60 });
    await expect(link.openStream()).rejects.toThrow(/cannot reach the host: host unreachable/);
    expect(t.dials).toBeGreaterThan(2);
    expect(t.dials).toBeLessThan(20);
  });

  it('stops redialling once closed', async () => {
    const t = new ScriptedTransport(['fail']);
    const link = new ViewerLink(t, 'addr', recordingLog(), { firstDelayMs: 20, maxDelayMs: 20, giveUpAfterMs: 10_000 });
    const opening = link.openStream();
    await new Promise((r) => setTimeout(r, 30));
    await link.close();
    await expect(opening).rejects.toThrow(TransportFailed);
    const dials = t.dials;
    await new Promise((r) => setTimeout(r, 60));
    expect(t.dials).toBe(dials);
  });

  it('a host that stopped on purpose is not redialled: openStream fails with its reason at once', async () => {
    const t = new ScriptedTransport(['ok']);
    const log = recordingLog();
    const link = new ViewerLink(t, 'addr', log, FAST);
    let told = 0;
    link.onHostStopped(() => told++);
    await link.connect();
    t.connections[0]!.drop({ kind: 'closed-by-peer', ...HOST_STOPPED });
    await new Promise((r) => setTimeout(r, 0));
    expect(link.hostStopped).toBe(true);
    expect(told).toBe(1);
    await expect(link.openStream()).rejects.toThrow(/the host stopped sharing/);
    expect(t.dials).toBe(1);
    expect(log.lines.filter((l) => l.startsWith('warn'))).toEqual([]);
  });

  it('a peer close with another code is a loss like any other: redialled', async () => {
    const t = new ScriptedTransport(['ok']);
    const link = new ViewerLink(t, 'addr', recordingLog(), FAST);
    await link.connect();
    t.connections[0]!.drop({ kind: 'closed-by-peer', code: 0, reason: 'idle' });
    await new Promise((r) => setTimeout(r, 0));
    expect(link.hostStopped).toBe(false);
    await link.openStream();
    expect(t.dials).toBe(2);
  });

  it('concurrent players share one dial', async () => {
    const t = new ScriptedTransport(['ok']);
    const link = new ViewerLink(t, 'addr', recordingLog(), FAST);
    await Promise.all([link.openStream(), link.openStream(), link.openStream()]);
    expect(t.dials).toBe(1);
    expect(t.connections[0]!.streamsOpened).toBe(3);
  });
});
