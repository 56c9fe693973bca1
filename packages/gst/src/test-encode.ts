import { execa } from 'execa';
import { isCommandMissing } from '@pixelpass/core';
import { GST_TOOLS_PACKAGE } from './gst-packages.js';

/**
 * gst-launch-1.0 arguments for a short test encode of `fragment`. The output
 * goes to stdout so the prober can check that bytes actually came out: a
 * driver that accepts the caps but encodes nothing must count as a failure.
 */
export function testEncodeArgs(fragment: string, frames = 3): string[] {
  const description = `videotestsrc num-buffers=${frames} ! video/x-raw,width=320,height=240,framerate=30/1 ! videoconvert ! ${fragment} ! fdsink fd=1 sync=false`;
  // One token per argument: gst-launch escapes the spaces inside an argument.
  // Encoder fragments carry no quoted values, so splitting on whitespace is exact.
  return ['-q', ...description.split(/\s+/).filter(Boolean)];
}

/** The most telling line of a failed gst-launch run, for a one-line reason. */
export function gstFailureSummary(stderr: string, exitCode: number | undefined): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);
  const pick =
    lines.find((l) => /no element|no property|could not set property|erroneous pipeline/i.test(l)) ??
    lines.find((l) => /^ERROR/.test(l)) ??
    lines.find((l) => /error|fail/i.test(l)) ??
    lines.at(-1);
  const text = pick?.replace(/^WARNING: erroneous pipeline: /, '').replace(/^ERROR: from element \S+: /, '');
  return text ?? `gst-launch-1.0 exited with code ${exitCode ?? 'unknown'}`;
}

export interface TestEncodeOptions {
  /** Past this the run counts as hung and is killed. */
  readonly timeoutMs: number;
}

export type TestEncodeOutcome =
  | { readonly ok: true }
  | {
      readonly ok: false;
      /** One line: what went wrong. */
      readonly message: string;
      /** No end within the timeout (a driver hang, or a cold system). */
      readonly hung: boolean;
      /** gst-launch ended cleanly but the encoder wrote nothing. */
      readonly noOutput: boolean;
    };

/** Runs a short test encode of `fragment` (testEncodeArgs): ok only when it ends cleanly and bytes came out. */
export async function testEncode(fragment: string, options: TestEncodeOptions): Promise<TestEncodeOutcome> {
  const r = await execa('gst-launch-1.0', testEncodeArgs(fragment), {
    reject: false,
    timeout: options.timeoutMs,
    encoding: 'buffer',
    stdin: 'ignore',
  });
  const bytes = (r.stdout as Uint8Array | undefined)?.byteLength ?? 0;
  if (r.exitCode === 0 && bytes > 0) return { ok: true };
  const failed = { ok: false, hung: false, noOutput: false } as const;
  if (isCommandMissing(r)) return { ...failed, message: `gst-launch-1.0 is missing; install ${GST_TOOLS_PACKAGE}` };
  if (r.timedOut) return { ...failed, hung: true, message: `the test encode hung (no end after ${options.timeoutMs / 1000} s)` };
  if (r.exitCode === 0) return { ...failed, noOutput: true, message: 'the encoder produced no output' };
  const stderr = Buffer.from((r.stderr as Uint8Array | undefined) ?? new Uint8Array()).toString('utf8');
  return { ...failed, message: gstFailureSummary(stderr, r.exitCode) };
}
