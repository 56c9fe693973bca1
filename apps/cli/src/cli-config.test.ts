import { describe, expect, it } from 'vitest';
import { configPath, parseConfig } from './cli-config.js';

describe('configPath', () => {
  it.each([
    [{ XDG_CONFIG_HOME: '/x/cfg', HOME: '/home/a' }, '/x/cfg/pixelpass/config.json'],
    [{ HOME: '/home/a' }, '/home/a/.config/pixelpass/config.json'],
    // The XDG spec says relative paths are invalid and must be ignored.
    [{ XDG_CONFIG_HOME: 'relative', HOME: '/home/a' }, '/home/a/.config/pixelpass/config.json'],
  ])('%j → %s', (env, expected) => expect(configPath(env)).toBe(expected));
});

describe('parseConfig', () => {
  it.each([
    ['{"lastPlayer":"vlc"}', { lastPlayer: 'vlc' }],
    ['{"lastPlayer":"mpv","other":1}', { lastPlayer: 'mpv' }],
    ['{"lastPlayer":"totem"}', {}],
    ['not json', {}],
    ['null', {}],
  ])('%s', (text, expected) => expect(parseConfig(text)).toEqual(expected));
});
