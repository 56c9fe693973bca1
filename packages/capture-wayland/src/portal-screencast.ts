import { closeSync, fstatSync } from 'node:fs';
import { Cancelled, errorMessage, type CaptureRequest, type CaptureSession, type CaptureSource, type Logger, type ReadinessCheck } from '@pixelpass/core';
import { waylandReadiness } from './portal-readiness.js';
import { PipeWireUnusable, PortalRequestFailed, PortalTimeout, PortalUnavailable } from './errors.js';
import { PortalBus, pipewireAccess, toVariants, unwrapVariants, type Plain } from './portal-bus.js';
import {
  PORTAL_BUS_NAME,
  PORTAL_OBJECT_PATH,
  REQUEST_INTERFACE,
  SCREENCAST_INTERFACE,
  SESSION_INTERFACE,
  PERSIST_REFUSED_NOTICE,
  PERSIST_REJECTED_NOTICE,
  chooseStream,
  cursorNotice,
  handleToken,
  noRestoreNotice,
  parseStreams,
  pipewireFragment,
  requestPath,
  responseError,
  restoreTokenKey,
  selectSourcesOptions,
  type CursorChoice,
  type PortalCapabilities,
  type SourceKind,
  type SourceWish,
  type TypedOption,
} from './portal-protocol.js';
import { RestoreTokenStore, defaultStateDir } from './restore-token-store.js';

export interface PortalScreenCastOptions {
  /** What the share dialog offers: a whole monitor (default) or one window. */
  readonly sourceType?: SourceKind;
  /** Pointer drawn into the video (default) or left out; used when the portal offers it. */
  readonly cursor?: CursorChoice;
  /** Drop the stored restore token before the first capture, so the dialog comes back. */
  readonly forget?: boolean;
  /** Where restore tokens are kept; default `$XDG_STATE_HOME/pixelpass`. */
  readonly stateDir?: string;
  /** Deadline for each portal method call and for non-interactive answers. */
  readonly callTimeoutMs?: number;
  /** Deadline for the share dialog (Start), which waits for the user. */
  readonly dialogTimeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
  /** Where notices go (the portal cannot remember the choice, draw the pointer…); each is said once a run. */
  readonly log?: Pick<Logger, 'info' | 'warn'>;
}

const DEFAULT_CALL_TIMEOUT_MS = 10_000;
const DEFAULT_DIALOG_TIMEOUT_MS = 300_000;
/** No output this long once streaming: the screen-cast producer is gone. */
const STALL_TIMEOUT_MS = 3000;
const FIRST_FRAME_NOTICE_MS = 2000;

let tokenCounter = 0;

/**
 * Screen capture through org.freedesktop.portal.ScreenCast (GNOME, KDE,
 * wlroots…): CreateSession → SelectSources → Start (the desktop's share dialog,
 * skipped with a restore token) → OpenPipeWireRemote, whose fd goes to
 * gst-launch-1.0's pipewiresrc.
 */
export class PortalScreenCast implements CaptureSource {
  readonly id = 'wayland';
  readonly sourceType: SourceKind;
  readonly cursor: CursorChoice;
  readonly tokens: RestoreTokenStore;
  #forgetPending: boolean;
  readonly #callTimeoutMs: number;
  readonly #dialogTimeoutMs: number;
  readonly #env: NodeJS.ProcessEnv;
  readonly #log: Pick<Logger, 'info' | 'warn'> | undefined;
  readonly #said = new Set<string>();
  /** The portal rejected persist_mode once: later sessions of this run ask without it. */
  #persistRejected = false;

  constructor(options: PortalScreenCastOptions = {}) {
    this.sourceType = options.sourceType ?? 'monitor';
    this.cursor = options.cursor ?? 'embedded';
    this.#env = options.env ?? process.env;
    this.tokens = new RestoreTokenStore(options.stateDir ?? defaultStateDir(this.#env));
    this.#forgetPending = options.forget ?? false;
    this.#callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.#dialogTimeoutMs = options.dialogTimeoutMs ?? DEFAULT_DIALOG_TIMEOUT_MS;
    this.#log = options.log;
  }

  /** A notice about what this portal can do, said once a run however many captures. */
  #notice(message: string | undefined): void {
    if (!message || this.#said.has(message)) return;
    this.#said.add(message);
    this.#log?.info(message);
  }

  /**
   * Keeping (or dropping) the restore token is a convenience: when the state
   * directory is full, read-only or not safe, the share goes on and the next
   * run shows the dialog again; said once.
   */
  async #remember(what: () => Promise<void>): Promise<void> {
    try {
      await what();
    } catch (err) {
      const message = `cannot remember the screen choice (${errorMessage(err)}); the share dialog will ask next time`;
      if (this.#said.has(message)) return;
      this.#said.add(message);
      this.#log?.warn(message);
    }
  }

  /** What the portal can do that the user should know before the first dialog. */
  #capabilityNotices(caps: PortalCapabilities): void {
    this.#notice(cursorNotice(caps, this.cursor));
    if (caps.version < 4) this.#notice(noRestoreNotice(caps.version));
  }

  /**
   * Checks, without any dialog, that a portal with ScreenCast is there and can
   * share the chosen source type; returns what will be asked for. Lets the host
   * fail at once instead of when the first viewer arrives.
   */
  async check(signal?: AbortSignal): Promise<string> {
    const bus = await PortalBus.connect(this.#env, this.#callTimeoutMs);
    try {
      const caps = await new PortalCall(bus, this.#callTimeoutMs, signal).capabilities();
      selectSourcesOptions(caps, { sourceType: this.sourceType, cursor: this.cursor });
      this.#capabilityNotices(caps);
      const remembered = caps.version >= 4 && (await this.tokens.load(restoreTokenKey(this)));
      const restore = caps.version < 4 ? ', asks every time' : remembered && !this.#forgetPending ? ', remembered choice' : '';
      return `a ${this.sourceType} chosen in the desktop's share dialog (ScreenCast portal version ${caps.version}${restore})`;
    } finally {
      bus.disconnect();
    }
  }

  readiness(): Promise<ReadinessCheck[]> {
    return waylandReadiness(this.#env, async () => {
      const bus = await PortalBus.connect(this.#env, this.#callTimeoutMs);
      try {
        return await new PortalCall(bus, this.#callTimeoutMs).capabilities();
      } finally {
        bus.disconnect();
      }
    });
  }

  async open(request: CaptureRequest, signal: AbortSignal): Promise<CaptureSession> {
    if (signal.aborted) throw new Cancelled('the screen cast was cancelled');
    const bus = await PortalBus.connect(this.#env, this.#callTimeoutMs);
    const portal = new PortalCall(bus, this.#callTimeoutMs, signal);
    let sessionHandle: string | undefined;
    let fd: number | undefined;
    try {
      const caps = await portal.capabilities();
      const wish = { sourceType: this.sourceType, cursor: this.cursor };
      const key = restoreTokenKey(wish);
      if (this.#forgetPending) {
        // Only the first capture forgets: later ones in this run reuse the new token.
        await this.#remember(() => this.tokens.forget(key));
        this.#forgetPending = false;
      }
      const stored = await this.tokens.load(key);
      this.#capabilityNotices(caps);

      const { handle, usesRestoreToken, persisting } = await this.#createAndSelect(portal, caps, { ...wish, restoreToken: stored }, (h) => {
        sessionHandle = h;
      });
      const ended = portal.sessionClosed(handle);
      let started: Record<string, Plain>;
      try {
        started = await portal.request('Start', 'osa{sv}', [handle, ''], {}, this.#dialogTimeoutMs);
      } catch (err) {
        // A presented token is used up whatever the outcome; keep no stale one.
        if (usesRestoreToken) await this.#remember(() => this.tokens.forget(key));
        throw err;
      }
      const newToken = started.restore_token;
      if (typeof newToken === 'string' && newToken) {
        await this.#remember(() => this.tokens.save(key, newToken));
      } else {
        if (usesRestoreToken) await this.#remember(() => this.tokens.forget(key));
        // Asked to persist, and the desktop (or the user, in KDE's dialog) said no.
        if (persisting) this.#notice(PERSIST_REFUSED_NOTICE);
      }

      const chosen = chooseStream(parseStreams(started.streams));
      if (!chosen) throw new PipeWireUnusable('the desktop portal started a screen cast without any stream');
      this.#notice(chosen.notice);
      const { stream } = chosen;

      const pipewire = pipewireAccess();
      if (pipewire.kind === 'portal-fd') {
        const [fdValue] = await portal.call('OpenPipeWireRemote', 'oa{sv}', [handle, {}]);
        if (typeof fdValue !== 'number') {
          throw new PipeWireUnusable('the desktop portal sent no PipeWire descriptor (file-descriptor passing was not negotiated)');
        }
        fd = fdValue;
        assertSocket(fd);
      }

      const pipeFd = fd;
      let closed = false;
      const close = async (): Promise<void> => {
        if (closed) return;
        closed = true;
        portal.stopWatching();
        await portal.closeSession(handle);
        bus.disconnect();
        if (pipeFd !== undefined) safeClose(pipeFd);
      };
      // The portal's size is in compositor (logical) coordinates, not pixels: from
      // xdg-desktop-portal-wlr 0.7.1 on it is 960x540 for a 1920x1080 output at
      // scale 2. So no geometry is given: the pipeline fits whatever PipeWire
      // delivers into the limits by caps (see composePipeline).
      const size = stream.width && stream.height ? `portal size ${stream.width}x${stream.height}` : 'portal size unknown';
      return {
        video: {
          launch: pipewireFragment({ fd: pipeFd, nodeId: stream.nodeId, fps: request.fps }),
          inheritFds: pipeFd === undefined ? [] : [pipeFd],
        },
        description: `Wayland portal ${this.sourceType} (PipeWire node ${stream.nodeId}, ${size}${usesRestoreToken ? ', restored without dialog' : ''}${
          pipewire.kind === 'direct' ? ', direct PipeWire connection' : ''
        })`,
        ended,
        // pipewiresrc keepalive-time resends the last frame, so a live stream never
        // pauses; xdg-desktop-portal-wlr 0.7 sends no Session::Closed when the
        // compositor dies or the output goes, and pipewiresrc posts no error then.
        stallTimeoutMs: STALL_TIMEOUT_MS,
        firstFrameNotice: {
          afterMs: FIRST_FRAME_NOTICE_MS,
          message:
            'no picture from the desktop yet: some compositors (sway and other wlroots ones) send the first frame only when something on the shared screen changes; move the pointer over it',
        },
        close,
      };
    } catch (err) {
      portal.stopWatching();
      if (sessionHandle) await portal.closeSession(sessionHandle);
      bus.disconnect();
      if (fd !== undefined) safeClose(fd);
      throw err;
    }
  }

  /**
   * CreateSession + SelectSources. When the portal rejects the request while
   * persist_mode was in it (a backend that cannot persist and says so with an
   * error), the session is dropped and asked again once without it; later
   * sessions of this run leave it out from the start.
   */
  async #createAndSelect(
    portal: PortalCall,
    caps: PortalCapabilities,
    wish: SourceWish,
    onSession: (handle: string) => void,
  ): Promise<{ handle: string; usesRestoreToken: boolean; persisting: boolean }> {
    for (;;) {
      const { options, usesRestoreToken } = selectSourcesOptions(caps, { ...wish, persist: !this.#persistRejected });
      const persisting = options.persist_mode !== undefined;
      const created = await portal.request('CreateSession', 'a{sv}', [], { session_handle_token: token('pixelpass_session') });
      const handle = created.session_handle;
      if (typeof handle !== 'string') throw new PortalRequestFailed('the desktop portal created a session without a handle');
      onSession(handle);
      try {
        await portal.request('SelectSources', 'oa{sv}', [handle], options);
        return { handle, usesRestoreToken, persisting };
      } catch (err) {
        const rejected = err instanceof PortalRequestFailed || err instanceof PortalUnavailable;
        if (!persisting || !rejected) throw err;
        await portal.closeSession(handle);
        this.#persistRejected = true;
        this.#notice(PERSIST_REJECTED_NOTICE);
      }
    }
  }
}

function token(prefix: string): TypedOption {
  return { signature: 's', value: handleToken(prefix, ++tokenCounter, Math.random()) };
}

function assertSocket(fd: number): void {
  try {
    if (!fstatSync(fd).isSocket()) throw new Error('not a socket');
  } catch (err) {
    safeClose(fd);
    throw new PipeWireUnusable(`the PipeWire descriptor from the desktop portal is unusable (${errorMessage(err)})`);
  }
}

function safeClose(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** The Request/Response dance and session bookkeeping over one bus connection. */
class PortalCall {
  #unsubscribeClosed: ((local?: boolean) => Promise<void>) | undefined;

  /** Rejects with Cancelled when the caller's signal aborts (Ctrl-C while the dialog is open). */
  readonly #aborted: Promise<never>;

  constructor(
    private readonly bus: PortalBus,
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal = new AbortController().signal,
  ) {
    this.#aborted = new Promise<never>((_, reject) => {
      const cancel = (): void => reject(new Cancelled('the screen cast was cancelled'));
      if (signal.aborted) cancel();
      else signal.addEventListener('abort', cancel, { once: true });
    });
    this.#aborted.catch(() => undefined);
  }

  /** `op`, unless the caller cancels first. */
  #unlessCancelled<T>(op: Promise<T>): Promise<T> {
    op.catch(() => undefined);
    return Promise.race([op, this.#aborted]);
  }

  async capabilities(): Promise<PortalCapabilities> {
    const [all] = await this.#unlessCancelled(this.bus.call(
      PORTAL_BUS_NAME,
      PORTAL_OBJECT_PATH,
      'org.freedesktop.DBus.Properties',
      'GetAll',
      's',
      [SCREENCAST_INTERFACE],
      'ScreenCast properties',
    ));
    const props = unwrapVariants(all) as Record<string, Plain>;
    const num = (v: Plain | undefined): number => (typeof v === 'number' ? v : 0);
    if (props.AvailableSourceTypes === undefined && props.version === undefined) {
      // GetAll on an interface that is not there returns an empty dict on some buses.
      throw new PortalUnavailable(
        'the desktop portal has no ScreenCast support; install the portal backend for your desktop (xdg-desktop-portal-gnome, -kde or -wlr)',
      );
    }
    return {
      version: num(props.version),
      availableSourceTypes: num(props.AvailableSourceTypes),
      availableCursorModes: num(props.AvailableCursorModes),
    };
  }

  call(member: string, signature: string, args: unknown[]): Promise<unknown[]> {
    return this.#unlessCancelled(
      this.bus.call(PORTAL_BUS_NAME, PORTAL_OBJECT_PATH, SCREENCAST_INTERFACE, member, signature, args, `ScreenCast.${member}`),
    );
  }

  /**
   * One portal request: subscribe to the Response of the Request object the
   * portal will create (path known from our unique name and handle_token),
   * then call, then wait for the answer.
   */
  async request(
    member: string,
    signature: string,
    args: unknown[],
    options: Record<string, TypedOption>,
    responseTimeoutMs = this.timeoutMs,
  ): Promise<Record<string, Plain>> {
    const handle = token(`pixelpass_${member.toLowerCase()}`);
    const expected = requestPath(this.bus.uniqueName, String(handle.value));
    let settle: ((v: { code: number; results: Record<string, Plain> }) => void) | undefined;
    const responses = new Map<string, { code: number; results: Record<string, Plain> }>();
    const onResponse = (path: string) => (body: unknown[]) => {
      const answer = { code: Number(body[0]), results: (unwrapVariants(body[1]) ?? {}) as Record<string, Plain> };
      responses.set(path, answer);
      settle?.(answer);
    };
    const unsubscribe = [
      await this.bus.subscribe({ path: expected, iface: REQUEST_INTERFACE, member: 'Response', handle: onResponse(expected) }),
    ];
    try {
      const [returned] = await this.call(member, signature, [...args, toVariants({ ...options, handle_token: handle })]);
      let path = expected;
      if (typeof returned === 'string' && returned !== expected) {
        // Portals before 0.9 ignore handle_token: follow the path they returned.
        path = returned;
        unsubscribe.push(await this.bus.subscribe({ path, iface: REQUEST_INTERFACE, member: 'Response', handle: onResponse(path) }));
      }
      const closeRequest = (): void =>
        void this.bus.call(PORTAL_BUS_NAME, path, REQUEST_INTERFACE, 'Close', '', [], 'Request.Close').catch(() => undefined);
      const answer =
        responses.get(path) ??
        (await new Promise<{ code: number; results: Record<string, Plain> }>((resolve, reject) => {
          // Cancelled while the dialog is up: close it now, not when the user gives up on it.
          const onAbort = (): void => {
            clearTimeout(timer);
            settle = undefined;
            closeRequest();
            reject(new Cancelled('the screen-share dialog was closed: pixelpass is stopping'));
          };
          this.signal.addEventListener('abort', onAbort, { once: true });
          const timer = setTimeout(() => {
            settle = undefined;
            this.signal.removeEventListener('abort', onAbort);
            closeRequest();
            reject(
              new PortalTimeout(
                member === 'Start'
                  ? `nobody answered the screen-share dialog within ${Math.round(responseTimeoutMs / 1000)}s`
                  : `the desktop portal did not answer ${member} within ${Math.round(responseTimeoutMs / 1000)}s`,
              ),
            );
          }, responseTimeoutMs);
          settle = (a) => {
            clearTimeout(timer);
            this.signal.removeEventListener('abort', onAbort);
            resolve(a);
          };
          if (this.signal.aborted) onAbort();
        }));
      const error = responseError(member, answer.code);
      if (error) throw error;
      return answer.results;
    } finally {
      settle = undefined;
      await Promise.all(unsubscribe.map((u) => u()));
    }
  }

  /** Resolves when the desktop (or the user, from its indicator) closes the session. */
  sessionClosed(handle: string): Promise<string> {
    return new Promise<string>((resolve) => {
      void this.bus
        .subscribe({
          path: handle,
          iface: SESSION_INTERFACE,
          member: 'Closed',
          handle: () => resolve('the desktop closed the screen-cast session'),
        })
        .then((unsubscribe) => {
          this.#unsubscribeClosed = unsubscribe;
        })
        .catch(() => undefined);
      this.bus.onDisconnect((why) => resolve(why));
    });
  }

  stopWatching(): void {
    const u = this.#unsubscribeClosed;
    this.#unsubscribeClosed = undefined;
    void u?.(true);
  }

  async closeSession(handle: string): Promise<void> {
    await this.bus
      .call(PORTAL_BUS_NAME, handle, SESSION_INTERFACE, 'Close', '', [], 'Session.Close', Math.min(this.timeoutMs, 3000))
      .catch(() => undefined);
  }
}
