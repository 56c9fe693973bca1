import { UsageError } from '@pixelpass/core';
import type { SourceChoice } from './options.js';

/** `--source auto`: Wayland when the session says so, else X11 when there is a display. */
export function detectSource(choice: SourceChoice, env: NodeJS.ProcessEnv): 'test' | 'x11' | 'wayland' {
  if (choice !== 'auto') return choice;
  if (env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland') return 'wayland';
  if (env.DISPLAY) return 'x11';
  throw new UsageError('no graphical session found (neither WAYLAND_DISPLAY nor DISPLAY is set); use --source test to share a test pattern');
}
