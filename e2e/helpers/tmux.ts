import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A terminal a person would use: a private tmux server (its own socket, so
 * nothing else on the machine is touched) running one command in one pane.
 * Keys go in with send-keys, the screen comes back with capture-pane.
 */
export interface TmuxTerminal {
  /** The visible screen, wrapped lines joined. */
  screen(): Promise<string>;
  /** tmux key names ("Enter", "Down", "C-c") or, with literal, text. */
  send(keys: readonly string[], literal?: boolean): Promise<void>;
  /** Waits until the screen matches; returns the match. Fails with the screen in the message. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Moves the highlight of an @inquirer select prompt to the choice starting with `label` and picks it. */
  choose(label: string): Promise<void>;
  /** Pid of the command in the pane. */
  readonly pid: number;
  kill(): Promise<void>;
}

const terminals = new Set<TmuxTerminal>();

function tmux(socket: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('tmux', ['-S', socket, ...args], { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`tmux ${args[0]} failed: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts `argv` in a new tmux pane of `width` columns. The command runs under
 * `sh -c '<argv>; echo EXITED:$?; sleep 600'` so its exit code stays readable.
 */
export async function startTerminal(argv: readonly string[], env: Record<string, string | undefined>, width = 250): Promise<TmuxTerminal> {
  // A socket of our own, in a directory removed afterwards.
  const dir = mkdtempSync(join(tmpdir(), 'pixelpass-tmux-'));
  const socket = join(dir, 'socket');
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const exports = Object.entries(env).map(([k, v]) => (v === undefined ? `unset ${k};` : `export ${k}=${quote(v)};`));
  const command = `${exports.join(' ')} ${argv.map(quote).join(' ')}; echo EXITED:$?; sleep 600`;
  await tmux(socket, ['-f', '/dev/null', 'new-session', '-d', '-s', 'main', '-x', String(width), '-y', '50', command]);
  const pid = Number((await tmux(socket, ['display-message', '-p', '-t', 'main', '#{pane_pid}'])).trim());

  const t: TmuxTerminal = {
    pid,
    screen: () => tmux(socket, ['capture-pane', '-p', '-J', '-t', 'main']),
    send: async (keys, literal = false) => void (await tmux(socket, ['send-keys', '-t', 'main', ...(literal ? ['-l'] : []), ...keys])),
    async waitFor(pattern, timeoutMs = 20_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const last = await t.screen();
        const m = last.match(pattern);
        if (m) return m;
        if (Date.now() > deadline) throw new Error(`screen did not show ${pattern} within ${timeoutMs} ms; it shows:\n${last.trimEnd()}`);
        await new Promise((r) => setTimeout(r, 150));
      }
    },
    async choose(label) {
      const lines = (await t.screen()).split('\n');
      // The last prompt on screen is the active one; its choices follow it.
      const prompt = lines.map((l, i) => (l.startsWith('?') ? i : -1)).filter((i) => i >= 0).pop();
      if (prompt === undefined) throw new Error(`no prompt on screen:\n${lines.join('\n')}`);
      const choices = lines.slice(prompt + 1).filter((l) => /^[❯ ] \S/.test(l));
      const current = choices.findIndex((l) => l.startsWith('❯'));
      const wanted = choices.findIndex((l) => l.slice(2).startsWith(label));
      if (wanted < 0) throw new Error(`no choice "${label}" in:\n${choices.join('\n')}`);
      const moves = wanted - current;
      if (moves !== 0) await t.send(Array(Math.abs(moves)).fill(moves > 0 ? 'Down' : 'Up'));
      await t.waitFor(new RegExp(`❯ ${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`), 5000);
      await t.send(['Enter']);
    },
    async kill() {
      terminals.delete(t);
      // SIGHUP reaches the command the way closing a terminal window would; pixelpass cleans up on it.
      await tmux(socket, ['kill-server']).catch(() => undefined);
      const deadline = Date.now() + 8000;
      while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      if (alive(pid)) {
        try {
          process.kill(-pid, 'SIGKILL');
        } catch {
          /* gone */
        }
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
  terminals.add(t);
  return t;
}

export async function killAllTerminals(): Promise<void> {
  await Promise.all([...terminals].map((t) => t.kill()));
}

/** `ps` lines matching `pattern`, for "nothing left behind" checks (ps itself excluded). */
export function processesOf(pattern: RegExp): string[] {
  const out = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return out.split('\n').filter((l) => pattern.test(l) && !/\bps -eo\b/.test(l));
}
