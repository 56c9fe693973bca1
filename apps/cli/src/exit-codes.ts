import { Cancelled, InternalError, PixelpassError } from '@pixelpass/core';

export const EXIT_OK = 0;
export const EXIT_RUNTIME = 1;
export const EXIT_USAGE = 2;

/** The one place where errors become exit codes. A stop the user asked for (Ctrl-C) is a success. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof Cancelled) return EXIT_OK;
  if (err instanceof PixelpassError && !(err instanceof InternalError)) return err.kind === 'usage' ? EXIT_USAGE : EXIT_RUNTIME;
  if (isCommanderError(err)) return err.exitCode === 0 ? EXIT_OK : EXIT_USAGE;
  return EXIT_RUNTIME;
}

/** The one line the user sees; empty when there is nothing to say (a stop they asked for). */
export function describeError(err: unknown): string {
  if (err instanceof Cancelled) return '';
  if (err instanceof PixelpassError && !(err instanceof InternalError)) return err.message;
  if (err instanceof Error) return `unexpected error: ${err.message}`;
  return `unexpected error: ${String(err)}`;
}

export function isCommanderError(err: unknown): err is { exitCode: number; code: string } {
  return typeof err === 'object' && err !== null && 'code' in err && String((err as { code: unknown }).code).startsWith('commander.');
}
