import { describe, expect, it } from 'vitest';
import {
  CaptureFailed,
  Cancelled,
  ClosedByPeer,
  InternalError,
  InvalidTicket,
  MissingDependency,
  PipelineFailed,
  StreamRefused,
  TransportFailed,
  UsageError,
} from '@pixelpass/core';
import { NotReady } from './doctor-command.js';
import { describeError, EXIT_OK, EXIT_RUNTIME, EXIT_USAGE, exitCodeFor } from './exit-codes.js';
import { UnsafeStateFile } from './state-file.js';
import { ViewingEnded } from './view-command.js';

/** The exit-code table (README "Exit codes", `pixelpass help exit-codes`), one row per error a user can meet. */
describe('exit codes', () => {
  const commander = (exitCode: number, code: string) => Object.assign(new Error('x'), { exitCode, code });
  it.each([
    ['a stop asked for (Ctrl-C, the menu left)', new Cancelled('stopped'), EXIT_OK, ''],
    ['--help / --version', commander(0, 'commander.helpDisplayed'), EXIT_OK, undefined],
    ['an unknown flag or command', commander(1, 'commander.unknownOption'), EXIT_USAGE, undefined],
    ['a bad value (--bind nonsense)', new UsageError('--bind must be IP:PORT'), EXIT_USAGE, '--bind must be IP:PORT'],
    ['a malformed ticket', new InvalidTicket('the ticket is truncated'), EXIT_USAGE, 'the ticket is truncated'],
    ['the host refused (wrong secret, full, declined)', new ViewingEnded('the host declined'), EXIT_RUNTIME, 'the host declined'],
    ['a refusal from the tunnel', new StreamRefused({ status: 503, code: 'full', message: 'the host is full' }), EXIT_RUNTIME, 'the host is full'],
    ['nothing answers', new TransportFailed('cannot connect'), EXIT_RUNTIME, 'cannot connect'],
    ['closed by the other side', new ClosedByPeer('read: closed', 1, 'the host stopped sharing'), EXIT_RUNTIME, 'read: closed'],
    ['a missing dependency', new MissingDependency('mpv', 'mpv'), EXIT_RUNTIME, 'mpv is missing; install mpv'],
    ['capture failed', new CaptureFailed('cannot open X display ":9"'), EXIT_RUNTIME, 'cannot open X display ":9"'],
    ['the pipeline failed', new PipelineFailed('gst-launch-1.0 exited'), EXIT_RUNTIME, 'gst-launch-1.0 exited'],
    ['an unsafe state folder', new UnsafeStateFile('will not keep secrets in /x'), EXIT_RUNTIME, 'will not keep secrets in /x'],
    ['doctor found a ✗', new NotReady('not ready'), EXIT_RUNTIME, 'not ready'],
    ['a bug', new InternalError('invariant'), EXIT_RUNTIME, 'unexpected error: invariant'],
    ['anything else thrown', new Error('boom'), EXIT_RUNTIME, 'unexpected error: boom'],
  ])('%s', (_what, err, code, line) => {
    expect(exitCodeFor(err)).toBe(code);
    if (line !== undefined) expect(describeError(err)).toBe(line);
  });
});
