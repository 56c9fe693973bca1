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

export class NotImplementedYet extends PixelpassError {}

/** The media pipeline could not start or died. */
export class PipelineFailed extends PixelpassError {}

export class CaptureFailed extends PixelpassError {}

export class TransportFailed extends PixelpassError {}

export class HostRefused extends PixelpassError {}
