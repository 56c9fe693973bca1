import { describe, expect, it } from 'vitest';
import { backendPackageFor, describeCapabilities, portalsConfCandidates, screencastBackend } from './portal-readiness.js';

const wlr = { name: 'wlr', text: '[portal]\nDBusName=org.freedesktop.impl.portal.desktop.wlr\nInterfaces=org.freedesktop.impl.portal.Screenshot;org.freedesktop.impl.portal.ScreenCast;\nUseIn=wlroots;sway;Wayfire;river;phosh;Hyprland;\n' };
const gnome = { name: 'gnome', text: '[portal]\nInterfaces=org.freedesktop.impl.portal.ScreenCast;org.freedesktop.impl.portal.RemoteDesktop;\nUseIn=gnome\n' };
const gtk = { name: 'gtk', text: '[portal]\nInterfaces=org.freedesktop.impl.portal.FileChooser;\nUseIn=gnome;sway\n' };

const kde = { name: 'kde', text: '[portal]\nDBusName=org.freedesktop.impl.portal.desktop.kde\nInterfaces=org.freedesktop.impl.portal.ScreenCast;\nUseIn=KDE\n' };
const realGtk = { name: 'gtk', text: '[portal]\nDBusName=org.freedesktop.impl.portal.desktop.gtk\nInterfaces=org.freedesktop.impl.portal.FileChooser;org.freedesktop.impl.portal.ScreenCast;\nUseIn=gnome\n' };

describe('screencastBackend', () => {
  it.each([
    ['sway: wlr by its UseIn', [wlr, gnome, gtk], 'sway', { backend: 'wlr', how: 'its UseIn lists sway' }],
    ['GNOME (case, ubuntu:GNOME): the second desktop matches', [wlr, gnome, gtk], 'ubuntu:GNOME', { backend: 'gnome', how: 'its UseIn lists gnome' }],
    ['KDE with no kde backend installed', [wlr, gnome, gtk], 'KDE', { backend: undefined, how: 'none installed lists this desktop' }],
    ['unset', [wlr, gnome, gtk], undefined, { backend: undefined, how: 'none installed lists this desktop' }],
    ['nothing lists the desktop: gtk is the last resort', [wlr, realGtk], 'cosmic', { backend: 'gtk', how: 'last resort' }],
    ['a desktop name the frontend rejects is skipped', [wlr], 'sw ay:sway', { backend: 'wlr', how: 'its UseIn lists sway' }],
  ])('%s', (_n, files, desktop, expected) => {
    expect(screencastBackend(files, desktop)).toEqual(expected);
  });

  it.each([
    ['the per-interface line wins', '[preferred]\ndefault=gtk\norg.freedesktop.impl.portal.ScreenCast=wlr\n', { backend: 'wlr', how: 'from /c/sway-portals.conf' }],
    ['default when the interface has no line', '[preferred]\ndefault=kde;gtk\n', { backend: 'kde', how: 'from /c/sway-portals.conf' }],
    ['an uninstalled name is skipped, then default', '[preferred]\norg.freedesktop.impl.portal.ScreenCast=hyprland\ndefault=wlr\n', { backend: 'wlr', how: 'from /c/sway-portals.conf' }],
    ['none means none', '[preferred]\ndefault=wlr\norg.freedesktop.impl.portal.ScreenCast=none\n', { backend: undefined, how: '/c/sway-portals.conf says none' }],
    ['* takes one listing the desktop first', '[preferred]\ndefault=*\n', { backend: 'wlr', how: 'from /c/sway-portals.conf' }],
    ['nothing usable named: back to UseIn', '[preferred]\ndefault=hyprland\n', { backend: 'wlr', how: 'its UseIn lists sway' }],
  ])('portals.conf: %s', (_n, text, expected) => {
    expect(screencastBackend([kde, wlr, realGtk], 'sway', { path: '/c/sway-portals.conf', text })).toEqual(expected);
  });

  it('portals.conf is looked for where the frontend looks, desktop files first', () => {
    expect(portalsConfCandidates({ XDG_CURRENT_DESKTOP: 'ubuntu:GNOME', XDG_DESKTOP_PORTAL_DIR: '/t' }, '/h')).toEqual([
      '/t/ubuntu-portals.conf',
      '/t/gnome-portals.conf',
      '/t/portals.conf',
    ]);
    const all = portalsConfCandidates({ XDG_CURRENT_DESKTOP: 'sway' }, '/h');
    expect(all.slice(0, 2)).toEqual(['/h/.config/xdg-desktop-portal/sway-portals.conf', '/h/.config/xdg-desktop-portal/portals.conf']);
    expect(all).toContain('/etc/xdg/xdg-desktop-portal/sway-portals.conf');
    expect(all.at(-1)).toBe('/usr/share/xdg-desktop-portal/portals.conf');
    expect(all.indexOf('/etc/xdg-desktop-portal/portals.conf')).toBeLessThan(all.indexOf('/usr/share/xdg-desktop-portal/sway-portals.conf'));
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
    expect(describeCapabilities({ version: 4, availableSourceTypes: 1, availableCursorModes: 3 })).toBe('ScreenCast v4: monitors only, no --window; remembers the choice');
    expect(describeCapabilities({ version: 3, availableSourceTypes: 3, availableCursorModes: 3 })).toBe('ScreenCast v3: monitors and windows; asks every time (no restore tokens before version 4)');
    expect(describeCapabilities({ version: 5, availableSourceTypes: 7, availableCursorModes: 7 })).toBe('ScreenCast v5: monitors and windows; remembers the choice');
  });
});
