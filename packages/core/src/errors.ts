/**
 * Every failure a user can meet is one of these. The CLI maps `kind` to an exit
 * code in one place; `message` is the one line the user sees.
 */
export type ErrorKind = 'usage' | 'runtime' | 'missing-dependency';

export class PixelpassError extends Error {
  readonly kind: ErrorKind = 'runtime';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Bad flags, a malformed ticket, a name that matches nothing: exit 2. */
export class UsageError extends PixelpassError {
  override readonly kind: ErrorKind = 'usage';
}

export class InvalidTicket extends UsageError {}

/** A program, GStreamer element or service is not installed; names what provides it. */
export class MissingDependency extends PixelpassError {
  override readonly kind: ErrorKind = 'missing-dependency';
  constructor(
    readonly what: string,
    readonly provider: string,
    detail?: string,
  ) {
    super(`${what} is missing${detail ? ` (${detail})` : ''}; install ${provider}`);
  }
}

/** The media pipeline could not start or died. */
export class PipelineFailed extends PixelpassError {}

export class CaptureFailed extends PixelpassError {}

export class TransportFailed extends PixelpassError {}

/** The other side closed the connection on purpose, with a code and a reason (e.g. the host stopped sharing). */
export class ClosedByPeer extends TransportFailed {
  constructor(
    message: string,
    readonly code: number,
    readonly reason: string,
  ) {
    super(message);
  }
}

/** The host is stopping: no new capture, no new viewer. */
export class HostStopping extends PixelpassError {}

/** Something was cancelled on purpose (Ctrl-C, the host stopping): not a failure to report. */
export class Cancelled extends PixelpassError {}

/** A bug in pixelpass itself (an invariant broken): reported as unexpected. */
export class InternalError extends PixelpassError {}

/** The one way to turn anything thrown into the line a user reads. */
export function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}

/** Throws `Cancelled` when the signal is aborted (checked between steps of a long operation). */
export function throwIfAborted(signal: AbortSignal | undefined, what: string): void {
  if (signal?.aborted) throw new Cancelled(`${what} was cancelled`);
}
