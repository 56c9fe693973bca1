import { describe, expect, it } from 'vitest';
import { backendPackageFor, describeCapabilities, screencastBackends } from './portal-readiness.js';

const wlr = { name: 'wlr', text: '[portal]\nDBusName=org.freedesktop.impl.portal.desktop.wlr\nInterfaces=org.freedesktop.impl.portal.Screenshot;org.freedesktop.impl.portal.ScreenCast;\nUseIn=wlroots;sway;Wayfire;river;phosh;Hyprland;\n' };
const gnome = { name: 'gnome', text: '[portal]\nInterfaces=org.freedesktop.impl.portal.ScreenCast;org.freedesktop.impl.portal.RemoteDesktop;\nUseIn=gnome\n' };
const gtk = { name: 'gtk', text: '[portal]\nInterfaces=org.freedesktop.impl.portal.FileChooser;\nUseIn=gnome;sway\n' };

describe('screencastBackends', () => {
  it.each([
    ['sway', 'sway', ['wlr']],
    ['GNOME (case, ubuntu:GNOME)', 'ubuntu:GNOME', ['gnome']],
    ['KDE with no kde backend installed', 'KDE', []],
    ['unset', undefined, []],
  ])('%s', (_n, desktop, expected) => {
    expect(screencastBackends([wlr, gnome, gtk], desktop)).toEqual(expected);
  });
});

describe('backendPackageFor / describeCapabilities', () => {
  it.each([
    ['GNOME', 'xdg-desktop-portal-gnome'],
    ['KDE', 'xdg-desktop-portal-kde'],
    ['sway', 'xdg-desktop-portal-wlr'],
    ['Hyprland', 'xdg-desktop-portal-hyprland'],
  ])('%s → %s', (d, pkg) => expect(backendPackageFor(d)).toBe(pkg));
  it('says what the portal offers and whether it remembers', () => {
    expect(describeCapabilities({ version: 4, availableSourceTypes: 1, availableCursorModes: 3 })).toBe('ScreenCast v4: monitor; remembers the choice');
    expect(describeCapabilities({ version: 3, availableSourceTypes: 3, availableCursorModes: 3 })).toBe('ScreenCast v3: monitor, window; asks every time (no restore tokens before version 4)');
  });
});
