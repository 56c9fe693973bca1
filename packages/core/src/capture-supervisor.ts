import { EventEmitter } from 'node:events';
import { CaptureFailed, errorMessage, HostStopping } from './errors.js';

/** One capture run: started by the supervisor, its output already flowing to the hub. */
export interface CaptureRun {
  /** Resolves when the run ended; `reason` is empty when it was stopped on purpose. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface SupervisorEvents {
  'capture-started': [];
  'capture-stopped': [reason: string];
  'capture-failed': [reason: string];
}

/**
 * Lazy and sticky capture: the first viewer starts it, the last one leaving stops
 * it after a linger (so a player restart does not restart capture and bring a
 * share dialog back), a later viewer starts it again. A run that dies is reported;
 * the next viewer retries.
 */
export class CaptureSupervisor extends EventEmitter<SupervisorEvents> {
  #holders = 0;
  #run: CaptureRun | undefined;
  #starting: Promise<void> | undefined;
  #stopping: Promise<void> | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastEnd = '';
  /** Aborts the start in progress (a share dialog waiting for the user) when the host stops. */
  #startAbort: AbortController | undefined;
  starts = 0;

  constructor(
    private readonly startRun: (signal: AbortSignal) => Promise<CaptureRun>,
    private readonly lingerMs: number,
  ) {
    super();
  }

  get running(): boolean {
    return this.#run !== undefined;
  }

  get holders(): number {
    return this.#holders;
  }

  /** True while the last viewer has left and capture is kept for the linger. */
  get lingering(): boolean {
    return this.#lingerTimer !== undefined;
  }

  /** A viewer wants the stream: ensures capture runs. Throws when it cannot start. */
  async acquire(): Promise<void> {
    if (this.#stopped) throw new HostStopping('the host is stopping');
    this.#holders++;
    this.#cancelLinger();
    try {
      await this.#ensureRunning();
    } catch (err) {
      this.#holders--;
      throw err;
    }
  }

  release(): void {
    if (this.#holders === 0) return;
    this.#holders--;
    if (this.#holders > 0 || this.#stopped) return;
    this.#cancelLinger();
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = undefined;
      if (this.#holders === 0) void this.#stopRun('no viewers left');
    }, this.lingerMs);
    this.#lingerTimer.unref?.();
  }

  /** Stops for good: a start in progress is cancelled (its dialog closed), a run is stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelLinger();
    this.#startAbort?.abort();
    if (this.#starting) await this.#starting.catch(() => undefined);
    await this.#stopRun('host stopping');
  }

  #cancelLinger(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  async #ensureRunning(): Promise<void> {
    // Concurrent acquirers share one start; each sees the run in place (or the
    // failure) when it resumes.
    if (this.#run) return;
    if (!this.#starting) {
      this.#starting = this.#start().finally(() => (this.#starting = undefined));
    }
    await this.#starting;
    // Never retry in a loop here: a capture that dies at once would spin.
    if (!this.#run) throw new CaptureFailed(`capture ended at once: ${this.#lastEnd || 'no reason given'}`);
  }

  async #start(): Promise<void> {
    // A run that is still stopping (linger expired just now) must be gone
    // first: its end would otherwise end the new run's viewers, and a capture
    // source may not allow two sessions at once.
    if (this.#stopping) await this.#stopping;
    if (this.#stopped) throw new HostStopping('the host is stopping');
    const abort = new AbortController();
    this.#startAbort = abort;
    let run: CaptureRun;
    try {
      run = await this.startRun(abort.signal);
    } catch (err) {
      if (!abort.signal.aborted) this.emit('capture-failed', errorMessage(err));
      throw err;
    } finally {
      if (this.#startAbort === abort) this.#startAbort = undefined;
    }
    this.starts++;
    this.#run = run;
    this.emit('capture-started');
    void run.exited.then(
      (reason) => this.#ended(run, reason),
      (err: unknown) => this.#ended(run, errorMessage(err)),
    );
    if (this.#stopped) await this.#stopRun('host stopping');
  }

  #ended(run: CaptureRun, reason: string): void {
    if (this.#run !== run) return;
    this.#run = undefined;
    this.#lastEnd = reason;
    if (reason) this.emit('capture-failed', reason);
    else this.emit('capture-stopped', 'ended');
  }

  async #stopRun(reason: string): Promise<void> {
    const run = this.#run;
    if (!run) {
      if (this.#stopping) await this.#stopping;
      return;
    }
    this.#run = undefined;
    const stopping = run.stop().then(
      () => undefined,
      () => undefined,
    );
    this.#stopping = stopping;
    try {
      await stopping;
    } finally {
      if (this.#stopping === stopping) this.#stopping = undefined;
    }
    this.emit('capture-stopped', reason);
  }
}
