import { EventEmitter } from 'node:events';
import { errorMessage, TransportFailed } from './errors.js';
import { LocalStreamServer, StreamRefused, type RelayEnd, type Upstream } from './local-stream-server.js';
import type { Logger } from './logger.js';
import type { LaunchedPlayer, PlayerLauncher } from './ports/player.js';
import type { PathInfo, PeerInfo, PeerStream, Transport } from './ports/transport.js';
import { parseTicket, type ShareTicket } from './share-ticket.js';
import {
  INFO_PATH,
  parseHostInfo,
  parseViewerStatus,
  STATUS_PATH,
  readResponse,
  readShortBody,
  refusalOf,
  tunnelRequest,
  type HostInfo,
  type Refusal,
  type ViewerStatus,
} from './tunnel-protocol.js';
import { DEFAULT_VIEWER_LINK, ViewerLink, type ViewerLinkOptions } from './viewer-link.js';
import type { StreamRecorder } from './stream-recorder.js';

export interface ViewerPorts {
  readonly transport: Transport;
  readonly player: PlayerLauncher;
  readonly log: Logger;
}

export interface ViewerSessionOptions {
  readonly link?: ViewerLinkOptions;
  /**
   * How long to wait for the host's answer to a stream request: it answers at
   * once, or after asking its user (`--approve`, up to a minute).
   */
  readonly answerTimeoutMs?: number;
  /** Records what arrives (one stream at a time: the player's, or the recording-only client's). */
  readonly recorder?: StreamRecorder | undefined;
}

/** What a viewer session tells its UI besides its snapshot (the JSON events, the refusal lines). */
export interface ViewerSessionEvents {
  /** The host is asking its user whether to admit this viewer (`--approve`). */
  'approval-pending': [];
  /** The host refused a stream, saying why. */
  refused: [refusal: Refusal];
  'player-started': [player: string];
}

/**
 * A refusal that no retry can change (the secret is wrong, the host said no)
 * ends watching at once, whatever the player does; "full" and a capture that
 * failed may pass, so a player that is still there keeps its URL.
 */
export function refusalIsFinal(refusal: Refusal): boolean {
  return refusal.code === 'wrong-ticket' || refusal.code === 'declined';
}

/** Why watching ended, for the person watching (the CLI turns it into a line and an exit code). */
export type ViewerEnd =
  | { readonly kind: 'stopped' }
  | { readonly kind: 'player-closed' }
  | { readonly kind: 'refused'; readonly refusal: Refusal }
  | { readonly kind: 'host-stopped' }
  | { readonly kind: 'unreachable'; readonly message: string };

export interface ViewerSnapshot {
  readonly connected: boolean;
  readonly path: PathInfo;
  readonly bytesReceived: number;
  readonly players: number;
  readonly reconnects: number;
  /** What the host sends this viewer (its rendition of the screen), as it last said. */
  readonly stream: ViewerStatus | undefined;
}

/**
 * One `pixelpass view`: the link to the host (redialled when it drops), the
 * localhost URL players read, and the player, started again when it quit
 * because its stream broke. A refusal or the host stopping ends it with a reason.
 */
export class ViewerSession extends EventEmitter<ViewerSessionEvents> {
  readonly ticket: ShareTicket;
  readonly #link: ViewerLink;
  readonly #server: LocalStreamServer;
  readonly #answerTimeoutMs: number;
  #status: ViewerStatus | undefined;

  constructor(
    private readonly ports: ViewerPorts,
    ticket: string,
    private readonly options: ViewerSessionOptions = {},
  ) {
    super();
    this.ticket = parseTicket(ticket);
    ports.transport.validateAddress(this.ticket.address);
    this.#answerTimeoutMs = options.answerTimeoutMs ?? 75_000;
    this.#link = new ViewerLink(ports.transport, this.ticket.address, ports.log, options.link ?? DEFAULT_VIEWER_LINK);
    this.#server = new LocalStreamServer({ openUpstream: () => this.#openStream(), log: ports.log, recorder: options.recorder });
  }

  /** First connection; fails fast so a dead ticket is reported at once. */
  async connect(): Promise<PeerInfo> {
    return (await this.#link.connect()).peer;
  }

  /**
   * Asks the host who it is (the player's title). A wrong secret is refused
   * here, before any player starts: throws StreamRefused. Undefined when the
   * host cannot tell in time.
   */
  async hostInfo(timeoutMs = 3000): Promise<HostInfo | undefined> {
    const body = await this.#ask(INFO_PATH, timeoutMs);
    return body === undefined ? undefined : parseHostInfo(body);
  }

  /** Asks the host what it sends this viewer now; undefined when it cannot tell (or is too old to). */
  async streamStatus(timeoutMs = 2000): Promise<ViewerStatus | undefined> {
    try {
      const body = await this.#ask(STATUS_PATH, timeoutMs);
      return body === undefined ? undefined : parseViewerStatus(body);
    } catch {
      return undefined;
    }
  }

  /** One short request in its own stream: the body of a 200, undefined on failure; a refusal throws StreamRefused. */
  async #ask(path: string, timeoutMs: number): Promise<string | undefined> {
    let stream: PeerStream | undefined;
    try {
      stream = await this.#link.openStream();
      await stream.writeBytes(tunnelRequest(this.ticket.secret, path));
      const { head, rest } = await readResponse(stream, { maxHeadBytes: 8192, timeoutMs });
      const body = await readShortBody(stream, rest);
      const refusal = refusalOf(head, body);
      if (refusal) throw new StreamRefused(refusal);
      return body;
    } catch (err) {
      if (err instanceof StreamRefused) throw err;
      return undefined;
    } finally {
      stream?.abort();
    }
  }

  /** Starts the localhost endpoint; returns the URL a player opens. */
  serve(): Promise<string> {
    return this.#server.listen();
  }

  snapshot(): ViewerSnapshot {
    const conn = this.#link.connection;
    return {
      connected: conn !== undefined,
      path: conn?.peer.path() ?? { kind: 'unknown', rttMs: null },
      bytesReceived: this.#server.stats.bytesReceived,
      players: this.#server.stats.players,
      reconnects: this.#link.reconnects,
      stream: this.#status,
    };
  }

  get streamsOpened(): number {
    return this.#server.stats.streamsOpened;
  }

  /**
   * Runs the player on `url` until the user closes it, the host refuses or
   * stops, or `signal` aborts; a player that quit because its stream broke or
   * ended is started again (the link redials with backoff).
   */
  async watch(url: string, title: string, signal: AbortSignal): Promise<ViewerEnd> {
    const polling = new AbortController();
    const stopPolling = (): void => polling.abort();
    signal.addEventListener('abort', stopPolling, { once: true });
    void this.#pollStatus(polling.signal);
    try {
      return await this.#watch(url, title, signal);
    } finally {
      stopPolling();
      signal.removeEventListener('abort', stopPolling);
    }
  }

  /** While watching: what the host sends this viewer, every couple of seconds (the status line shows it). */
  async #pollStatus(signal: AbortSignal, everyMs = 2000): Promise<void> {
    while (!signal.aborted) {
      await new Promise((r) => setTimeout(r, everyMs).unref());
      if (signal.aborted || !this.#link.connection || this.#server.stats.players === 0) continue;
      const status = await this.streamStatus();
      if (status && !signal.aborted) this.#status = status;
    }
  }

  async #watch(url: string, title: string, signal: AbortSignal): Promise<ViewerEnd> {
    const { player, log } = this.ports;
    let restarts = 0;
    for (;;) {
      const launched = await player.launch(url, { title });
      try {
        const started = Date.now();
        if (restarts === 0) this.emit('player-started', player.id);
        if (player.id !== 'none' && restarts === 0) log.info(`${player.id} started; close it or press Ctrl-C to stop`);
        const why = await this.#untilPlayerExits(launched, signal);
        if (typeof why === 'object') return why;
        if (why !== 'player-exited') return why === 'host-stopped' ? { kind: 'host-stopped' } : { kind: 'stopped' };
        const end = this.#server.lastEnd;
        if (this.#link.hostStopped) return { kind: 'host-stopped' };
        if (end?.kind === 'refused' && end.refusal) return { kind: 'refused', refusal: end.refusal };
        if (end?.kind === 'unreachable' && Date.now() - end.at < 5000) {
          return { kind: 'unreachable', message: 'the host cannot be reached' };
        }
        const ranForMs = Date.now() - started;
        if (!shouldRestartPlayer(end, Date.now(), ranForMs, restarts)) return { kind: 'player-closed' };
        restarts = ranForMs > 30_000 ? 1 : restarts + 1;
        const what = end?.kind === 'host-ended' ? 'ended' : 'broke';
        log.warn(player.id === 'none' ? `the stream ${what}; reconnecting` : `the stream ${what}; starting ${player.id} again`);
      } finally {
        await launched.stop();
      }
    }
  }

  async #untilPlayerExits(
    launched: LaunchedPlayer,
    signal: AbortSignal,
  ): Promise<'player-exited' | 'host-stopped' | 'aborted' | ViewerEnd> {
    if (signal.aborted) return 'aborted';
    let onRefused: ((r: Refusal) => void) | undefined;
    return new Promise<'player-exited' | 'host-stopped' | 'aborted' | ViewerEnd>((resolve) => {
      signal.addEventListener('abort', () => resolve('aborted'), { once: true });
      this.#link.onHostStopped(() => resolve('host-stopped'));
      void launched.exited.then(() => resolve('player-exited'));
      onRefused = (refusal) => {
        if (refusalIsFinal(refusal)) resolve({ kind: 'refused', refusal });
      };
      this.on('refused', onRefused);
    }).finally(() => {
      if (onRefused) this.off('refused', onRefused);
    });
  }

  async close(): Promise<void> {
    await this.#server.close();
    await this.options.recorder?.close();
    await this.#link.close();
    await this.ports.transport.close();
  }

  async #openStream(): Promise<Upstream> {
    const stream = await this.#link.openStream();
    try {
      await stream.writeBytes(tunnelRequest(this.ticket.secret));
      let pending: Uint8Array = new Uint8Array(0);
      for (;;) {
        const { head, rest } = await readResponse(stream, { maxHeadBytes: 8192, timeoutMs: this.#answerTimeoutMs }, undefined, pending);
        if (head.status === 102) {
          // The host is asking its user (--approve); its real answer follows.
          this.ports.log.info('waiting for the host to approve…');
          this.emit('approval-pending');
          pending = rest;
          continue;
        }
        if (head.status === 200) return { stream, rest };
        const refusal = refusalOf(head, await readShortBody(stream, rest))!;
        this.emit('refused', refusal);
        throw new StreamRefused(refusal);
      }
    } catch (err) {
      stream.abort();
      if (err instanceof TransportFailed) throw err;
      throw new TransportFailed(errorMessage(err), { cause: err });
    }
  }
}

/**
 * A player that quits right after its stream ended or broke did not choose to
 * quit: start it again (the link redials with backoff), a bounded number of times
 * in a row. A player the user closed, or one the host cannot be reached for, stays closed.
 */
export function shouldRestartPlayer(
  lastEnd: { readonly kind: RelayEnd; readonly at: number } | undefined,
  now: number,
  ranForMs: number,
  restartsInARow: number,
): boolean {
  if (!lastEnd || (lastEnd.kind !== 'broken' && lastEnd.kind !== 'host-ended')) return false;
  if (now - lastEnd.at > 5000) return false;
  if (ranForMs < 1000 && restartsInARow >= 3) return false;
  return restartsInARow < 10;
}

