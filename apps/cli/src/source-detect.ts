import { UsageError } from '@pixelpass/core';
import type { SourceChoice } from './options.js';

/** `--source auto`: Wayland when the session says so, else X11 when there is a display. */
export function detectSource(choice: SourceChoice, env: NodeJS.ProcessEnv): 'test' | 'x11' | 'wayland' {
  if (choice !== 'auto') return choice;
  if (env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland') return 'wayland';
  if (env.DISPLAY) return 'x11';
  throw new UsageError('no graphical session found (neither WAYLAND_DISPLAY nor DISPLAY is set); use --source test to share a test pattern');
}

/**
 * Flags the chosen source cannot honour are refused, not ignored. On Wayland
 * the ScreenCast portal has no way to name an output: the desktop's dialog (or
 * a remembered choice) picks it.
 */
export function checkSourceFlags(kind: 'test' | 'x11' | 'wayland', flags: { readonly monitor?: string | undefined }): void {
  if (kind === 'wayland' && flags.monitor !== undefined) {
    throw new UsageError(
      "--monitor does not work on Wayland: your desktop's share dialog picks the screen; run without --monitor (use --forget to choose again), or share the X11 screen with --source x11",
    );
  }
}
