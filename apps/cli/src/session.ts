/** The graphical session pixelpass runs in, as the environment tells it. */
export type SessionKind = 'wayland' | 'x11' | 'none';

/** Wayland wins when both are set: an X display there is usually XWayland, which cannot see native windows. */
export function sessionKind(env: NodeJS.ProcessEnv): SessionKind {
  if (env.WAYLAND_DISPLAY || env.XDG_SESSION_TYPE === 'wayland') return 'wayland';
  if (env.DISPLAY) return 'x11';
  return 'none';
}
