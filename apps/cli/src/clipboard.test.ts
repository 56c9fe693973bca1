import { describe, expect, it } from 'vitest';
import { clipboardCandidates, clipboardProvider } from './clipboard.js';

describe('clipboardCandidates', () => {
  it.each([
    [{ WAYLAND_DISPLAY: 'wayland-0' }, ['wl-copy']],
    [{ WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }, ['wl-copy', 'xclip', 'xsel']],
    [{ XDG_SESSION_TYPE: 'wayland' }, ['wl-copy']],
    [{ DISPLAY: ':0' }, ['xclip', 'xsel']],
    [{}, []],
  ])('%j → %j', (env, expected) => {
    expect(clipboardCandidates(env).map((t) => t.command)).toEqual(expected);
  });

  it('names what to install', () => {
    expect(clipboardProvider({ DISPLAY: ':0' })).toBe('xclip or xsel');
    expect(clipboardProvider({ WAYLAND_DISPLAY: 'w' })).toBe('wl-clipboard');
  });

  it('keeps every tool in the foreground so it can be ended', () => {
    for (const t of clipboardCandidates({ WAYLAND_DISPLAY: 'w', DISPLAY: ':0' })) {
      expect(t.args.some((a) => ['--foreground', '-quiet', '--nodetach'].includes(a))).toBe(true);
    }
  });
});
