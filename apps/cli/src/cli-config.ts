import { basename, dirname, join } from 'node:path';
import { readPrivateFile, writePrivateFile } from '@pixelpass/core';

/** What the interactive CLI remembers between runs. */
export interface CliConfig {
  readonly lastPlayer?: 'mpv' | 'vlc' | 'none' | undefined;
}

/** $XDG_CONFIG_HOME/pixelpass/config.json, falling back to ~/.config as the XDG spec says. */
export function configPath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME && env.XDG_CONFIG_HOME.startsWith('/') ? env.XDG_CONFIG_HOME : join(env.HOME ?? '/tmp', '.config');
  return join(base, 'pixelpass', 'config.json');
}

/** Keeps only fields this version understands; a damaged file reads as empty. */
export function parseConfig(text: string): CliConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return {};
  }
  if (typeof raw !== 'object' || raw === null) return {};
  const player = (raw as Record<string, unknown>).lastPlayer;
  return player === 'mpv' || player === 'vlc' || player === 'none' ? { lastPlayer: player } : {};
}

export async function readConfig(env: NodeJS.ProcessEnv = process.env): Promise<CliConfig> {
  const file = configPath(env);
  return parseConfig((await readPrivateFile(dirname(file), basename(file))) ?? '');
}

/** Merges and writes with core's private-state writer (0700 directory checked, exclusive temp file, atomic rename). */
export async function updateConfig(change: Partial<CliConfig>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = configPath(env);
  const next = { ...(await readConfig(env)), ...change };
  await writePrivateFile(dirname(file), basename(file), `${JSON.stringify(next, null, 2)}\n`);
}
