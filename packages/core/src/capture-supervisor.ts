import { EventEmitter } from 'node:events';

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
  #starting: Promise<CaptureRun> | undefined;
  #lingerTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  starts = 0;

  constructor(
    private readonly startRun: () => Promise<CaptureRun>,
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

  /** A viewer wants the stream: ensures capture runs. Throws when it cannot start. */
  async acquire(): Promise<void> {
    if (this.#stopped) throw new Error('host is shutting down');
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
    this.#holders = Math.max(0, this.#holders - 1);
    if (this.#holders > 0 || this.#stopped) return;
    this.#cancelLinger();
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = undefined;
      if (this.#holders === 0) void this.#stopRun('no viewers left');
    }, this.lingerMs);
    this.#lingerTimer.unref?.();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#cancelLinger();
    if (this.#starting) await this.#starting.catch(() => undefined);
    await this.#stopRun('host stopping');
  }

  #cancelLinger(): void {
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer);
    this.#lingerTimer = undefined;
  }

  async #ensureRunning(): Promise<void> {
    if (this.#run) return;
    if (!this.#starting) {
      this.#starting = this.startRun().finally(() => (this.#starting = undefined));
      const run = await this.#starting.catch((err: unknown) => {
        this.emit('capture-failed', err instanceof Error ? err.message : String(err));
        throw err;
      });
      this.starts++;
      this.#run = run;
      this.emit('capture-started');
      void run.exited.then((reason) => {
        if (this.#run !== run) return;
        this.#run = undefined;
        if (reason) this.emit('capture-failed', reason);
        else this.emit('capture-stopped', 'ended');
      });
      if (this.#stopped) await this.#stopRun('host stopping');
      return;
    }
    await this.#starting;
  }

  async #stopRun(reason: string): Promise<void> {
    const run = this.#run;
    if (!run) return;
    this.#run = undefined;
    await run.stop();
    this.emit('capture-stopped', reason);
  }
}
