import { describe, expect, it } from 'vitest';
import { TransportFailed } from './errors.js';
import type { Logger } from './logger.js';
import type { HostListener, PeerStream, Transport, ViewerConnection } from './ports/transport.js';
import { ViewerLink } from './viewer-link.js';

/** A transport whose dials follow a script: 'fail' rejects, 'ok' connects. */
class ScriptedTransport implements Transport {
  dials = 0;
  readonly connections: Array<ViewerConnection & { drop(reason: string): void; streamsOpened: number }> = [];
  constructor(private readonly script: Array<'fail' | 'ok'>) {}
  validateAddress(): void {}
  listen(): Promise<HostListener> {
    throw new Error('not used');
  }
  async dial(): Promise<ViewerConnection> {
    const step = this.script[Math.min(this.dials++, this.script.length - 1)];
    if (step === 'fail') throw new TransportFailed('host unreachable');
    let drop!: (reason: string) => void;
    const closed = new Promise<string>((r) => (drop = r));
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
      close: async () => drop('closed by viewer'),
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

  it('concurrent players share one dial', async () => {
    const t = new ScriptedTransport(['ok']);
    const link = new ViewerLink(t, 'addr', recordingLog(), FAST);
    await Promise.all([link.openStream(), link.openStream(), link.openStream()]);
    expect(t.dials).toBe(1);
    expect(t.connections[0]!.streamsOpened).toBe(3);
  });
});
