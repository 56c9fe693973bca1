import { execa } from 'execa';
import { CaptureFailed, MissingDependency, isCommandMissing } from '@pixelpass/core';

/** The X display cannot be used: unset, no server answering, or access refused. */
export class DisplayUnavailable extends CaptureFailed {}

const PROVIDERS: Readonly<Record<string, string>> = {
  xwininfo: 'x11-utils',
  xrandr: 'x11-xserver-utils',
  xdpyinfo: 'x11-utils',
};

export interface ToolResult {
  readonly ok: boolean;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs one of the X command-line clients against `display`. A missing program
 * is a MissingDependency; a display nobody answers on is DisplayUnavailable;
 * other failures are returned for the caller to judge (e.g. "no such window").
 */
export async function runXTool(tool: 'xwininfo' | 'xrandr' | 'xdpyinfo', display: string, args: readonly string[]): Promise<ToolResult> {
  const r = await execa(tool, ['-display', display, ...args], {
    reject: false,
    timeout: 5000,
    env: { DISPLAY: display },
    stdin: 'ignore',
  });
  if (isCommandMissing(r)) {
    throw new MissingDependency(tool, PROVIDERS[tool] ?? 'the X11 client utilities');
  }
  const stderr = String(r.stderr ?? '');
  if (/unable to open display|Can't open display|cannot open display/i.test(stderr)) {
    throw new DisplayUnavailable(
      `cannot open X display "${display}": no X server answers there or it refused the connection (check DISPLAY and XAUTHORITY)`,
    );
  }
  if (r.timedOut) throw new DisplayUnavailable(`X display "${display}" did not answer within 5 s`);
  return { ok: r.exitCode === 0, stdout: String(r.stdout ?? ''), stderr };
}
