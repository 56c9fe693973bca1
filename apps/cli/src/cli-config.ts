import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

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
  try {
    return parseConfig(await readFile(configPath(env), 'utf8'));
  } catch {
    return {};
  }
}

/** Merges and writes atomically, so a crash never leaves half a file. */
export async function updateConfig(change: Partial<CliConfig>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const file = configPath(env);
  const next = { ...(await readConfig(env)), ...change };
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await rename(tmp, file);
}
