import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CaptureSupervisor, type CaptureRun } from './capture-supervisor.js';

/** A capture run the test controls: it can die, and its stop can be slow. */
class FakeRun implements CaptureRun {
  readonly exited: Promise<string>;
  #exit!: (reason: string) => void;
  stops = 0;
  stopDelayMs = 0;

  constructor(readonly log: string[], readonly n: number) {
    this.exited = new Promise((resolve) => (this.#exit = resolve));
  }

  die(reason: string): void {
    this.log.push(`run ${this.n} died`);
    this.#exit(reason);
  }

  async stop(): Promise<void> {
    this.stops++;
    this.log.push(`run ${this.n} stopping`);
    if (this.stopDelayMs) await new Promise((r) => setTimeout(r, this.stopDelayMs));
    this.log.push(`run ${this.n} stopped`);
    this.#exit('');
  }
}

function setup(lingerMs = 5000) {
  const log: string[] = [];
  const runs: FakeRun[] = [];
  let failNext: Error | undefined;
  let stopDelayMs = 0;
  const sup = new CaptureSupervisor(async () => {
    log.push('start');
    await Promise.resolve();
    if (failNext) {
      const e = failNext;
      failNext = undefined;
      throw e;
    }
    const run = new FakeRun(log, runs.length + 1);
    run.stopDelayMs = stopDelayMs;
    runs.push(run);
    return run;
  }, lingerMs);
  const events: string[] = [];
  sup.on('capture-started', () => events.push('started'));
  sup.on('capture-stopped', (r) => events.push(`stopped: ${r}`));
  sup.on('capture-failed', (r) => events.push(`failed: ${r}`));
  return {
    sup,
    log,
    runs,
    events,
    failNextStart: (e: Error) => (failNext = e),
    slowStops: (ms: number) => (stopDelayMs = ms),
  };
}

describe('CaptureSupervisor', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('is lazy: nothing runs until the first viewer; concurrent viewers share one start', async () => {
    const { sup, runs, events } = setup();
    expect(sup.running).toBe(false);
    await Promise.all([sup.acquire(), sup.acquire(), sup.acquire()]);
    expect(runs).toHaveLength(1);
    expect(sup.starts).toBe(1);
    expect(sup.running).toBe(true);
    expect(sup.holders).toBe(3);
    expect(events).toEqual(['started']);
  });

  it.each([
    ['a viewer returning within the linger keeps the same capture', 4000, 1, ['started']],
    ['a viewer arriving after the linger starts capture again', 6000, 2, ['started', 'stopped: no viewers left', 'started']],
  ])('is sticky: %s', async (_name, gapMs, starts, expectedEvents) => {
    const { sup, events } = setup(5000);
    await sup.acquire();
    sup.release();
    expect(sup.lingering).toBe(true);
    await vi.advanceTimersByTimeAsync(gapMs);
    await sup.acquire();
    expect(sup.starts).toBe(starts);
    expect(sup.running).toBe(true);
    expect(sup.lingering).toBe(false);
    expect(events).toEqual(expectedEvents);
  });

  it('stops only when the last viewer is gone, after the linger', async () => {
    const { sup, runs } = setup(2000);
    await sup.acquire();
    await sup.acquire();
    sup.release();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs[0]!.stops).toBe(0);
    sup.release();
    await vi.advanceTimersByTimeAsync(1999);
    expect(runs[0]!.stops).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs[0]!.stops).toBe(1);
    expect(sup.running).toBe(false);
  });

  it('extra releases do not make the count negative', async () => {
    const { sup } = setup(0);
    await sup.acquire();
    sup.release();
    sup.release();
    expect(sup.holders).toBe(0);
    await sup.acquire();
    expect(sup.holders).toBe(1);
  });

  it('a start that fails is reported to the viewer and the host; the next viewer retries', async () => {
    const { sup, events, failNextStart } = setup();
    failNextStart(new Error('portal dialog was cancelled'));
    await expect(sup.acquire()).rejects.toThrow('portal dialog was cancelled');
    expect(sup.holders).toBe(0);
    expect(sup.running).toBe(false);
    await sup.acquire();
    expect(sup.running).toBe(true);
    expect(events).toEqual(['failed: portal dialog was cancelled', 'started']);
  });

  it('a run that dies is reported; the next viewer starts a new one', async () => {
    const { sup, runs, events } = setup();
    await sup.acquire();
    runs[0]!.die('pipeline exited with code 1');
    await vi.advanceTimersByTimeAsync(0);
    expect(sup.running).toBe(false);
    expect(events).toEqual(['started', 'failed: pipeline exited with code 1']);
    sup.release();
    await sup.acquire();
    expect(runs).toHaveLength(2);
    expect(sup.running).toBe(true);
  });

  it('a run that dies at once fails the viewers that waited for it instead of restarting in a loop', async () => {
    const log: string[] = [];
    let n = 0;
    const sup = new CaptureSupervisor(async () => {
      n++;
      const run = new FakeRun(log, n);
      run.die('no such window');
      return run;
    }, 1000);
    await expect(sup.acquire()).rejects.toThrow('capture ended at once: no such window');
    expect(n).toBe(1);
    expect(sup.holders).toBe(0);
  });

  it('a new viewer during a slow stop waits for the old run to be gone before starting', async () => {
    const { sup, log, slowStops } = setup(1000);
    slowStops(3000);
    await sup.acquire();
    sup.release();
    await vi.advanceTimersByTimeAsync(1000); // linger over: stopping, slowly
    expect(log).toEqual(['start', 'run 1 stopping']);
    const acquired = sup.acquire();
    await vi.advanceTimersByTimeAsync(3000);
    await acquired;
    expect(log).toEqual(['start', 'run 1 stopping', 'run 1 stopped', 'start']);
    expect(sup.running).toBe(true);
  });

  it('stop() ends the run and refuses new viewers', async () => {
    const { sup, runs, events } = setup();
    await sup.acquire();
    await sup.stop();
    expect(runs[0]!.stops).toBe(1);
    expect(events).toEqual(['started', 'stopped: host stopping']);
    await expect(sup.acquire()).rejects.toThrow('the host is stopping');
  });

  it('stop() during a start stops the run once it is up', async () => {
    const { sup, runs } = setup();
    const acquiring = sup.acquire().catch((e: unknown) => e);
    await sup.stop();
    await acquiring;
    expect(runs).toHaveLength(1);
    expect(runs[0]!.stops).toBe(1);
    expect(sup.running).toBe(false);
  });

  it('stop() during a start that waits on the user (a share dialog) cancels it at once: no run, no "failed" event', async () => {
    const events: string[] = [];
    let seen: AbortSignal | undefined;
    const sup = new CaptureSupervisor(
      (signal) =>
        new Promise<CaptureRun>((_, reject) => {
          seen = signal;
          signal.addEventListener('abort', () => reject(new Error('dialog closed')));
        }),
      1000,
    );
    sup.on('capture-failed', (r) => events.push(`failed: ${r}`));
    const acquiring = sup.acquire().catch((e: unknown) => (e as Error).message);
    await Promise.resolve();
    await sup.stop();
    expect(seen?.aborted).toBe(true);
    expect(await acquiring).toBe('dialog closed');
    expect(events).toEqual([]);
    expect(sup.running).toBe(false);
  });
});
