import { UsageError } from '@pixelpass/core';
import { describe, expect, it } from 'vitest';
import { checkSourceFlags, detectSource } from './source-detect.js';

describe('detectSource', () => {
  it.each([
    ['explicit test', 'test', { WAYLAND_DISPLAY: 'wayland-0' }, 'test'],
    ['explicit x11 on a Wayland session', 'x11', { WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }, 'x11'],
    ['explicit wayland', 'wayland', {}, 'wayland'],
    ['auto: WAYLAND_DISPLAY (Xwayland DISPLAY too)', 'auto', { WAYLAND_DISPLAY: 'wayland-0', DISPLAY: ':0' }, 'wayland'],
    ['auto: XDG_SESSION_TYPE=wayland', 'auto', { XDG_SESSION_TYPE: 'wayland', DISPLAY: ':0' }, 'wayland'],
    ['auto: X11 session', 'auto', { XDG_SESSION_TYPE: 'x11', DISPLAY: ':0' }, 'x11'],
    ['auto: DISPLAY only', 'auto', { DISPLAY: ':1' }, 'x11'],
  ] as const)('%s', (_, choice, env, expected) => {
    expect(detectSource(choice, env)).toBe(expected);
  });

  it('auto without any graphical session is a usage error', () => {
    expect(() => detectSource('auto', { XDG_SESSION_TYPE: 'tty' })).toThrow(UsageError);
  });
});

describe('checkSourceFlags', () => {
  it('refuses --monitor on Wayland in one line naming what to do instead', () => {
    expect(() => checkSourceFlags('wayland', { monitor: 'HDMI-A-1' })).toThrow(UsageError);
    expect(() => checkSourceFlags('wayland', { monitor: '0' })).toThrow(/share dialog picks the screen.*--forget.*--source x11/);
  });

  it.each([
    ['x11', { monitor: 'HDMI-A-1' }],
    ['wayland', {}],
    ['test', { monitor: 'DP-1' }],
  ] as const)('%s with %o is fine', (kind, flags) => {
    expect(() => checkSourceFlags(kind, flags)).not.toThrow();
  });
});
