import type { SessionKind } from './session.js';
type PlayerId = 'mpv' | 'vlc';

/**
 * The interactive menu, pure side: what each question offers, as the argv the
 * same answer would be on the command line. The menu only ever builds a
 * command line, so menu and flags cannot drift apart.
 */
export interface MenuChoice<T> {
  readonly name: string;
  readonly value: T;
  readonly description?: string;
}

/** `ask-window` means: ask for a window title next. */
export type SourceAnswer = readonly string[] | 'ask-window';

export interface MonitorInfo {
  readonly name: string;
  readonly width: number;
  readonly height: number;
  readonly primary: boolean;
}

export function sourceChoices(session: SessionKind, monitors: readonly MonitorInfo[]): MenuChoice<SourceAnswer>[] {
  const test: MenuChoice<SourceAnswer> = {
    name: 'Test pattern',
    value: ['--source', 'test'],
    description: 'a moving test picture with a tone: try pixelpass without showing your screen',
  };
  switch (session) {
    case 'wayland':
      return [
        { name: 'Screen or window (Wayland)', value: ['--source', 'wayland'], description: 'your desktop asks which screen or window to share' },
        test,
      ];
    case 'x11': {
      const perMonitor: MenuChoice<SourceAnswer>[] =
        monitors.length > 1
          ? monitors.map((m) => ({
              name: `Monitor ${m.name} (${m.width}×${m.height}${m.primary ? ', primary' : ''})`,
              value: ['--source', 'x11', '--monitor', m.name],
            }))
          : [];
      return [
        { name: monitors.length > 1 ? 'All monitors (X11)' : 'Whole screen (X11)', value: ['--source', 'x11'] },
        ...perMonitor,
        { name: 'One window (X11)…', value: 'ask-window', description: 'type part of its title next' },
        test,
      ];
    }
    case 'none':
      return [test];
  }
}

export interface AppInfo {
  readonly name: string;
  readonly label: string;
}

export function audioChoices(source: readonly string[], apps: readonly AppInfo[] | 'unavailable'): MenuChoice<readonly string[]>[] {
  const isTest = source.includes('test');
  const choices: MenuChoice<readonly string[]>[] = [];
  if (isTest) choices.push({ name: 'Test tone', value: ['--audio', 'test'] });
  if (apps !== 'unavailable') {
    choices.push({ name: 'System sound', value: ['--audio', 'system'], description: 'everything this computer plays' });
    for (const app of apps) choices.push({ name: `Only ${app.label}`, value: ['--app', app.name], description: `just the sound of ${app.name}` });
  }
  choices.push({ name: 'No sound', value: ['--no-audio'] });
  return choices;
}

export const PLAYER_LABELS: Record<PlayerId | 'none', string> = {
  mpv: 'mpv',
  vlc: 'VLC',
  none: 'No player — just print the local URL',
};

/** Installed players, the remembered one first; `none` always last. */
export function playerChoices(installed: readonly PlayerId[], last: PlayerId | 'none' | undefined): MenuChoice<PlayerId | 'none'>[] {
  const ordered = [...installed].sort((a, b) => (a === last ? -1 : b === last ? 1 : 0));
  return [...ordered, 'none' as const].map((id) => ({ name: PLAYER_LABELS[id], value: id }));
}

/**
 * Relays help viewers on other networks and cost a wait of up to 5 s at start
 * (longer offline); on one machine or a LAN direct addresses are enough.
 */
export function relayChoices(): MenuChoice<readonly string[]>[] {
  return [
    { name: 'Anyone, anywhere (relays on)', value: ['--relay', 'on'], description: 'viewers on other networks can connect; start-up waits up to 5 s for a relay' },
    { name: 'Only this machine or my local network (relays off)', value: ['--relay', 'off'], description: 'no relay: starts at once, works offline' },
  ];
}
