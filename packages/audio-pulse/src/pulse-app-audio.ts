import type { ResultPromise } from 'execa';
import {
  PixelpassError,
  errorMessage,
  UsageError,
  silentLogger,
  type AudioSession,
  type AudioSource,
  type Logger,
} from '@pixelpass/core';
import { Pactl, isUnavailable } from './pactl.js';
import {
  OWNER_PROPERTY,
  SubscriptionParser,
  gstString,
  matchesApp,
  moduleArgValue,
  noMatchMessage,
  ownedName,
  ownerOfName,
  playingApps,
  propList,
  type Sink,
  type SinkInput,
} from './pulse-model.js';

export interface PulseAppAudioOptions {
  readonly pactl?: Pactl;
  /** The pid named in everything loaded, so `repair` can tell when its owner is gone. */
  readonly ownerPid?: number;
  readonly log?: Logger;
  /** Delay to let a burst of server events settle before looking at the streams. */
  readonly settleMs?: number;
}

/**
 * Per-application audio (`--app <name>`): the app's streams are moved to a null
 * sink of ours, whose monitor is captured; a loopback from that monitor to the
 * sink the app played on keeps the app audible to the user. Streams the app
 * opens later are moved too (`pactl subscribe`). Closing moves the streams back
 * and unloads both modules.
 */
export class PulseAppAudio implements AudioSource {
  readonly id = 'app';
  readonly #pactl: Pactl;
  readonly #ownerPid: number;
  readonly #log: Logger;

  constructor(
    readonly query: string,
    private readonly options: PulseAppAudioOptions = {},
  ) {
    this.#pactl = options.pactl ?? new Pactl();
    this.#ownerPid = options.ownerPid ?? process.pid;
    this.#log = options.log ?? silentLogger;
  }

  /**
   * Fails with the list of playing apps when nothing matches, so a host can
   * refuse a wrong name at once rather than when the first viewer arrives.
   * Without a sound server it says so (the share goes on without sound).
   */
  async check(): Promise<string | undefined> {
    let sinks: Sink[];
    let inputs: SinkInput[];
    try {
      [sinks, inputs] = await Promise.all([this.#pactl.sinks(), this.#pactl.sinkInputs()]);
    } catch (err) {
      if (isUnavailable(err)) return `audio will be off: ${errorMessage(err)}`;
      throw err;
    }
    if (!inputs.some((i) => matchesApp(i, this.query))) {
      throw new UsageError(noMatchMessage(this.query, playingApps(inputs, sinks)));
    }
    return undefined;
  }

  async open(): Promise<AudioSession | { readonly unavailable: string }> {
    let sinks: Sink[];
    let inputs: SinkInput[];
    let defaultSink: string | undefined;
    try {
      [sinks, inputs, { defaultSink }] = await Promise.all([this.#pactl.sinks(), this.#pactl.sinkInputs(), this.#pactl.info()]);
    } catch (err) {
      if (isUnavailable(err)) return { unavailable: err.message };
      throw err;
    }
    const matching = inputs.filter((i) => matchesApp(i, this.query));
    if (matching.length === 0) throw new UsageError(noMatchMessage(this.query, playingApps(inputs, sinks)));

    // The user listens where the app's first stream plays; the loopback goes there.
    const sinkName = new Map(sinks.map((s) => [s.index, s.name]));
    const firstSink = sinkName.get(matching[0]!.sink);
    const listenOn = firstSink && ownerOfName(firstSink) === undefined ? firstSink : defaultSink;
    if (!listenOn) return { unavailable: 'the sound server has no output (sink) the app could be heard on' };

    const route = new AppAudioRoute(this.#pactl, this.query, this.#ownerPid, listenOn, this.#log, this.options.settleMs ?? 50);
    try {
      await route.start(sinks);
    } catch (err) {
      await route.close();
      throw err;
    }
    return {
      audio: {
        launch: `pulsesrc device=${gstString(`${route.sinkName}.monitor`)} client-name=${ownedName(this.#ownerPid, 'capture')} do-timestamp=true`,
        env: this.#pactl.env,
      },
      description: `audio of ${matching[0]!.properties['application.name'] ?? this.query} (${matching.length} stream${matching.length === 1 ? '' : 's'}, heard on ${listenOn})`,
      close: () => route.close(),
    };
  }
}

/** How long after moving a stream we keep putting it back on our sink. */
const REDO_MOVES_MS = 3000;

/** The modules and stream moves of one per-app capture, and their undoing. */
class AppAudioRoute {
  readonly sinkName: string;
  #nullSinkModule: number | undefined;
  #loopbackModule: number | undefined;
  /** Streams we moved, with the sink each came from. */
  readonly #movedFrom = new Map<number, string>();
  readonly #movedAt = new Map<number, number>();
  #subscriber: ResultPromise | undefined;
  #sweeping: Promise<void> = Promise.resolve();
  #sweepTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;

  constructor(
    private readonly pactl: Pactl,
    private readonly query: string,
    private readonly ownerPid: number,
    private readonly listenOn: string,
    private readonly log: Logger,
    private readonly settleMs: number,
  ) {
    this.sinkName = ownedName(ownerPid, 'app');
  }

  async start(sinks: readonly Sink[]): Promise<void> {
    // A sink of this name is a leftover of an earlier run in this very process.
    for (const stale of sinks.filter((s) => s.name === this.sinkName && s.ownerModule !== undefined)) {
      await this.pactl.unloadModule(stale.ownerModule!).catch(() => undefined);
    }
    const owner = String(this.ownerPid);
    this.#nullSinkModule = await this.pactl.loadModule('module-null-sink', [
      `sink_name=${this.sinkName}`,
      `sink_properties=${propList({ 'device.description': `pixelpass capture of ${this.query}`, [OWNER_PROPERTY]: owner })}`,
    ]);
    const streamProps = propList({ 'media.name': ownedName(this.ownerPid, 'loopback'), [OWNER_PROPERTY]: owner });
    this.#loopbackModule = await this.pactl.loadModule('module-loopback', [
      `source=${this.sinkName}.monitor`,
      `sink=${moduleArgValue(this.listenOn)}`,
      // If our sink vanished, the loopback must not wander off to the microphone.
      'source_dont_move=true',
      'latency_msec=40',
      `sink_input_properties=${streamProps}`,
      `source_output_properties=${streamProps}`,
    ]);
    await this.#waitForSink();
    this.#subscribe();
    await this.#settle();
  }

  /** PipeWire announces a module's sink a moment after load-module returns; moving to it earlier does nothing. */
  async #waitForSink(timeoutMs = 3000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.pactl.sinks()).some((s) => s.name === this.sinkName)) {
      if (Date.now() > deadline) throw new PixelpassError(`the sound server did not create the capture sink ${this.sinkName}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Streams the app opens later are announced as sink-input events; sweep after each burst. */
  #subscribe(): void {
    const child = this.pactl.subscribe(ownedName(this.ownerPid, 'watch'));
    this.#subscriber = child;
    const parser = new SubscriptionParser();
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (text: string) => {
      const relevant = parser.push(text).some((e) => e.on === 'sink-input' && e.event !== 'remove');
      if (!relevant || this.#closing) return;
      clearTimeout(this.#sweepTimer);
      this.#sweepTimer = setTimeout(() => {
        this.#sweeping = this.#sweeping.then(() => this.#sweep()).then(() => undefined, (err: unknown) => {
          this.log.warn(`could not route a new stream of ${this.query}: ${errorMessage(err)}`);
        });
      }, this.settleMs);
    });
    void child.then(() => undefined);
  }

  /** Moves the app's streams that are not on our sink yet; returns how many it moved. */
  async #sweep(): Promise<number> {
    if (this.#closing) return 0;
    const [sinks, inputs] = await Promise.all([this.pactl.sinks(), this.pactl.sinkInputs()]);
    const ours = sinks.find((s) => s.name === this.sinkName);
    if (!ours) return 0;
    const sinkName = new Map(sinks.map((s) => [s.index, s.name]));
    let moved = 0;
    for (const input of inputs) {
      if (input.sink === ours.index || !matchesApp(input, this.query)) continue;
      // WirePlumber may undo a move to a sink it is still setting up, so a
      // recent move is redone; after that, a stream the user moves elsewhere
      // by hand stays where they put it.
      const movedAt = this.#movedAt.get(input.index);
      if (movedAt !== undefined && Date.now() - movedAt > REDO_MOVES_MS) continue;
      const from = this.#movedFrom.get(input.index) ?? sinkName.get(input.sink) ?? this.listenOn;
      try {
        await this.pactl.moveSinkInput(input.index, this.sinkName);
        this.#movedFrom.set(input.index, from);
        if (movedAt === undefined) this.#movedAt.set(input.index, Date.now());
        moved++;
      } catch (err) {
        // The stream may have ended between listing and moving.
        this.log.warn(`could not capture stream #${input.index} of ${this.query}: ${errorMessage(err)}`);
      }
    }
    return moved;
  }

  /** Sweeps until the routing holds (nothing to move twice in a row), so capture starts complete. */
  async #settle(timeoutMs = 2000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let quiet = 0;
    while (quiet < 2 && Date.now() < deadline) {
      quiet = (await this.#sweep()) === 0 ? quiet + 1 : 0;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearTimeout(this.#sweepTimer);
      if (this.#subscriber) {
        this.#subscriber.kill('SIGTERM');
        await this.#subscriber.catch(() => undefined);
      }
      await this.#sweeping.catch(() => undefined);
      const problems: string[] = [];
      try {
        const [sinks, inputs] = await Promise.all([this.pactl.sinks(), this.pactl.sinkInputs()]);
        const ours = sinks.find((s) => s.name === this.sinkName);
        const names = new Set(sinks.map((s) => s.name));
        for (const input of inputs) {
          const from = this.#movedFrom.get(input.index);
          if (from === undefined || input.sink !== ours?.index) continue;
          const to = names.has(from) ? from : this.listenOn;
          await this.pactl.moveSinkInput(input.index, to).catch((err: unknown) => problems.push(errorMessage(err)));
        }
      } catch (err) {
        problems.push(errorMessage(err));
      }
      // Loopback first: it reads our sink's monitor.
      for (const module of [this.#loopbackModule, this.#nullSinkModule]) {
        if (module === undefined) continue;
        await this.pactl.unloadModule(module).catch((err: unknown) => problems.push(errorMessage(err)));
      }
      this.#loopbackModule = this.#nullSinkModule = undefined;
      if (problems.length) this.log.warn(`restoring audio routing: ${problems.join('; ')} (run "pixelpass repair")`);
    })();
    return this.#closing;
  }
}
