import type { Logger } from '@pixelpass/core';

/** Logs and status go to stderr; stdout is reserved for the ticket or the URL. */
export class StderrLogger implements Logger {
  constructor(private readonly quiet = false) {}
  info(message: string): void {
    if (!this.quiet) process.stderr.write(`pixelpass: ${message}\n`);
  }
  warn(message: string): void {
    process.stderr.write(`pixelpass: warning: ${message}\n`);
  }
  error(message: string): void {
    process.stderr.write(`pixelpass: error: ${message}\n`);
  }
}
