import { describe, expect, it } from 'vitest';
import { audioChoices, playerChoices, sourceChoices } from './menu-choices.js';

describe('sourceChoices', () => {
  const m = (name: string, primary = false) => ({ name, width: 1920, height: 1080, primary });
  it.each([
    ['wayland', [], [['--source', 'wayland'], ['--source', 'test']]],
    ['x11', [m('eDP-1', true)], [['--source', 'x11'], 'ask-window', ['--source', 'test']]],
    ['x11', [m('eDP-1', true), m('HDMI-1')], [['--source', 'x11'], ['--source', 'x11', '--monitor', 'eDP-1'], ['--source', 'x11', '--monitor', 'HDMI-1'], 'ask-window', ['--source', 'test']]],
    ['none', [], [['--source', 'test']]],
  ] as const)('%s with %j', (session, monitors, values) => {
    expect(sourceChoices(session, monitors).map((c) => c.value)).toEqual(values);
  });
});

describe('audioChoices', () => {
  it.each([
    [['--source', 'x11'], [{ name: 'Firefox', label: 'Firefox (pid 42)' }], [['--audio', 'system'], ['--app', 'Firefox'], ['--no-audio']]],
    [['--source', 'test'], [], [['--audio', 'test'], ['--audio', 'system'], ['--no-audio']]],
    [['--source', 'x11'], 'unavailable', [['--no-audio']]],
  ] as const)('%j, %j', (source, apps, values) => {
    expect(audioChoices(source, apps).map((c) => c.value)).toEqual(values);
  });
});

describe('playerChoices', () => {
  it.each([
    [['mpv', 'vlc'], undefined, ['mpv', 'vlc', 'none']],
    [['mpv', 'vlc'], 'vlc', ['vlc', 'mpv', 'none']],
    [['mpv'], 'vlc', ['mpv', 'none']],
    [[], undefined, ['none']],
  ] as const)('%j last %s', (installed, last, ids) => {
    expect(playerChoices(installed, last).map((c) => c.value)).toEqual(ids);
  });
});
