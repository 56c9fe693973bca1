import { timingSafeEqual } from 'node:crypto';
import type { BroadcastHub, ViewerHandle } from './broadcast-hub.js';
import type { CaptureSupervisor } from './capture-supervisor.js';
import { errorMessage } from './errors.js';
import { responseHead } from './http-head.js';
import type { HostAdmission } from './host-admission.js';
import type { Logger } from './logger.js';
import type { IncomingStream } from './ports/transport.js';
import { base32Encode } from './share-ticket.js';
import {
  FeedbackReader,
  INFO_PATH,
  readRequestHead,
  REFUSAL_HEADER,
  STATUS_PATH,
  STREAM_CONTENT_TYPE,
  STREAM_PATH,
  TUNNEL_HEAD_LIMITS,
  type HeadLimits,
  type HostInfo,
  type RefusalCode,
  type ViewerStatus,
} from './tunnel-protocol.js';

export interface StreamGateOptions {
  readonly secret: Uint8Array;
  readonly maxViewers: number;
  readonly limits?: HeadLimits;
  /** Shown to viewers (player title). */
  readonly hostName: string;
  /**
   * Asks the host whether to admit a new viewer (`--approve`); the full id lets
   * it remember answers. 'busy': not asked now (too many questions lately).
   */
  readonly approve?: ApproveViewer | undefined;
  /** At most this many viewers wait for the host's answer at once; more are refused. */
  readonly maxPendingApprovals?: number;
  /** Told of every refusal (the host's event stream); the viewer is told by the response. */
  readonly onRefused?: ((peerShortId: string, code: RefusalCode, reason: string) => void) | undefined;
}

export type ApproveViewer = (peerShortId: string, peerId: string) => Promise<boolean | 'busy'>;

/** What a refusal is, for the aggregated log: the kind (summed up) and the line said for the first. */
interface RefusalNote {
  readonly reason: string;
  readonly line: string;
}

export function secretMatches(presented: string, secret: Uint8Array): boolean {
  const expected = Buffer.from(base32Encode(secret), 'latin1');
  const given = Buffer.from(presented, 'latin1');
  // Compare equal lengths only; a length mismatch still spends the same work.
  if (given.length !== expected.length) {
    timingSafeEqual(expected, expected);
    return false;
  }
  return timingSafeEqual(given, expected);
}

/**
 * The host's side of one tunnel stream: one HTTP GET, checked (secret, method,
 * path, capacity, approval), then the stream attached to the hub until either
 * side ends it. A refusal names its reason for the viewer (`RefusalCode`).
 */
export class StreamGate {
  #active = 0;
  #pendingApprovals = 0;
  /** Each peer's latest stream being served, for its `/status`. */
  readonly #watching = new Map<string, ViewerHandle>();

  constructor(
    private readonly options: StreamGateOptions,
    private readonly hub: BroadcastHub,
    private readonly supervisor: CaptureSupervisor,
    private readonly log: Logger,
    private readonly admission: HostAdmission,
  ) {}

  /** Viewers admitted and being served (not those waiting for approval). */
  get activeViewers(): number {
    return this.#active;
  }

  /** Serves one stream to its end; never rejects (the caller does not await it). */
  async handle(stream: IncomingStream): Promise<void> {
    // Over budget: reset at once, no answer, nothing read.
    if (!this.admission.streamArrived(stream)) return;
    let pending = true;
    const settled = (): void => {
      if (!pending) return;
      pending = false;
      this.admission.streamDone(stream);
    };
    try {
      await this.#handle(stream, settled);
    } catch (err) {
      stream.abort();
      // Before its request was judged (its connection closed, say), a stream is
      // anyone's: counted with the refusals, not a line each.
      if (pending) {
        const who = stream.peer.shortId;
        this.admission.refusal('stream', 'it failed before a request', stream.connection.peer.id, `refused a stream from ${who}: it failed before a request (${errorMessage(err)})`);
      } else {
        this.log.warn(`stream from ${stream.peer.shortId} failed: ${errorMessage(err)}`);
      }
    } finally {
      settled();
    }
  }

  /** `settled`: the request has been judged; the stream stops counting against the pre-authentication budget. */
  async #handle(stream: IncomingStream, settled: () => void): Promise<void> {
    const who = stream.peer.shortId;
    const limits = this.options.limits ?? TUNNEL_HEAD_LIMITS;
    const parsed = await readRequestHead(stream, limits);
    if (parsed.state === 'ended') {
      return this.#refuse(stream, 400, 'bad-request', 'stream ended before the request', { reason: 'stream ended before a request', line: `refused a stream from ${who}: it ended before a request` });
    }
    if (parsed.state === 'timeout') {
      const reason = `no complete request within ${limits.timeoutMs / 1000} s`;
      return this.#refuse(stream, 408, 'bad-request', 'request timeout', { reason, line: `refused a stream from ${who}: ${reason} (408)` });
    }
    if (parsed.state === 'invalid') {
      return this.#refuse(stream, parsed.status, 'bad-request', parsed.reason, { reason: 'malformed request', line: `refused a stream from ${who}: ${parsed.reason} (${parsed.status})` });
    }
    const head = parsed.head;
    const auth = head.headers.get('authorization') ?? '';
    const presented = auth.startsWith('Bearer ') ? auth.slice(7) : '';
    if (!secretMatches(presented, this.options.secret)) {
      const reason = 'wrong or missing ticket secret';
      return this.#refuse(stream, 403, 'wrong-ticket', 'this ticket is not valid for this host (wrong secret)', { reason, line: `refused a stream from ${who}: ${reason}` });
    }
    this.admission.authenticated(stream);
    settled();
    // From here on the peer holds the secret: reads may be as large as a viewer's need.
    const notFound = { reason: 'not GET /stream, /info or /status', line: `refused a stream from viewer ${who}: ${head.method} ${head.path.slice(0, 40)}` };
    if (head.method !== 'GET') return this.#refuse(stream, 405, 'bad-request', 'only GET', notFound);
    if (head.path === INFO_PATH) return this.#info(stream);
    if (head.path === STATUS_PATH) return this.#status(stream);
    if (head.path !== STREAM_PATH) return this.#refuse(stream, 404, 'bad-request', 'not found', notFound);
    if (this.#full()) return this.#refuseFull(stream, who);
    if (this.options.approve) {
      // Waiting for the host's answer holds no viewer slot, but their number is bounded.
      const busy = { reason: 'the host is busy answering other viewers', line: `viewer ${who} refused: the host is busy answering other viewers` };
      if (this.#pendingApprovals >= (this.options.maxPendingApprovals ?? 4)) {
        return this.#refuse(stream, 503, 'full', 'the host is busy answering other viewers; try again in a moment', busy);
      }
      this.#pendingApprovals++;
      let approved: boolean | 'busy';
      try {
        // An interim answer, so the viewer can say it waits for the host.
        await stream.writeBytes(responseHead(102));
        approved = await this.options.approve(who, stream.peer.id);
      } finally {
        this.#pendingApprovals--;
      }
      if (approved === 'busy') return this.#refuse(stream, 503, 'full', 'the host is busy answering other viewers; try again in a moment', busy);
      if (!approved) {
        this.log.info(`viewer ${who} declined by the host`);
        return this.#refuse(stream, 403, 'declined', 'the host declined');
      }
      if (this.#full()) return this.#refuseFull(stream, who);
    }
    this.#active++;
    try {
      try {
        await this.supervisor.acquire();
      } catch (err) {
        return await this.#refuse(stream, 503, 'capture-failed', `the host could not start sharing: ${errorMessage(err)}`);
      }
      try {
        await this.#serve(stream, who);
      } finally {
        this.supervisor.release();
      }
    } finally {
      this.#active--;
    }
  }

  #full(): boolean {
    return this.#active >= this.options.maxViewers;
  }

  #refuseFull(stream: IncomingStream, who: string): Promise<void> {
    const max = this.options.maxViewers;
    const note = { reason: `host is full (${max} viewers)`, line: `viewer ${who} refused: host is full (${max} viewers)` };
    return this.#refuse(stream, 503, 'full', `the host is full (${this.#active} of ${max} watching); try again later`, note);
  }

  async #serve(stream: IncomingStream, who: string): Promise<void> {
    await stream.writeBytes(responseHead(200, { 'Content-Type': STREAM_CONTENT_TYPE }));
    const viewer = this.hub.addViewer(
      who,
      {
        write: (chunk) => stream.writeChunk(chunk),
        end: (_reason, error) => {
          if (error) stream.abort();
          else void stream.finish().catch(() => stream.abort());
        },
      },
      stream.peer,
    );
    this.#watching.set(stream.peer.id, viewer);
    void viewer.done.then(() => {
      if (this.#watching.get(stream.peer.id) === viewer) this.#watching.delete(stream.peer.id);
    });
    // Capture may have ended while the response head was on its way; this
    // viewer would otherwise wait for data that never comes.
    if (!this.supervisor.running) viewer.leave('capture ended');
    // After its request the viewer sends only feedback; its stream ending means it left.
    void (async () => {
      const feedback = new FeedbackReader();
      try {
        for (let data = await stream.read(4096); data !== null; data = await stream.read(4096)) {
          const latest = feedback.push(data).at(-1);
          if (latest) viewer.ack(latest.deliveredBytes);
        }
      } catch {
        /* reset by the viewer */
      }
      viewer.leave('viewer closed the stream');
    })();
    // The hub's viewer-left event reports why (the host's status prints it).
    await viewer.done;
  }

  async #info(stream: IncomingStream): Promise<void> {
    return this.#json(stream, { name: this.options.hostName } satisfies HostInfo);
  }

  /** What this peer's stream gets now; 404 when it watches nothing. */
  async #status(stream: IncomingStream): Promise<void> {
    const viewer = this.#watching.get(stream.peer.id);
    if (!viewer) return this.#refuse(stream, 404, 'bad-request', 'not watching');
    const s = viewer.stats();
    return this.#json(stream, {
      rendition: s.renditionLabel,
      index: s.rendition,
      renditions: this.hub.renditions,
      rateBps: s.rateBps === undefined ? undefined : Math.round(s.rateBps),
      delayMs: s.delayMs,
    } satisfies ViewerStatus);
  }

  async #json(stream: IncomingStream, value: object): Promise<void> {
    const body = JSON.stringify(value);
    try {
      await stream.writeBytes(
        responseHead(200, { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) }),
      );
      await stream.writeBytes(Buffer.from(body, 'utf8'));
      await stream.finish();
    } catch {
      stream.abort();
    }
  }

  /**
   * Answers and ends a refused stream: the peer's side is stopped at once
   * (whatever it sends after its request is dropped, not buffered), ours ends
   * after the answer. `note` logs it through the aggregating log, and closes
   * the connection when it never presented the secret.
   */
  async #refuse(stream: IncomingStream, status: number, code: RefusalCode, reason: string, note?: RefusalNote): Promise<void> {
    stream.stopReading();
    this.options.onRefused?.(stream.peer.shortId, code, reason);
    try {
      await stream.writeBytes(responseHead(status, { [REFUSAL_HEADER]: code }, `${reason}\n`));
      await stream.finish();
    } catch {
      stream.abort();
    }
    if (note) await this.admission.refused(stream, note.reason, note.line);
  }
}
