import { execFile, execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { CLI, runCli, startCli, stopAllCli, TEST_ENV, type RunningCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';
import { killAllTerminals, processesOf, startTerminal, type TmuxTerminal } from './helpers/tmux.js';
import { startXvfb, stopAllXvfb, type XvfbServer } from './helpers/xvfb.js';

/*
 * Issue 18, as a person meets it: each thing the viewer is told, in a real
 * terminal (tmux) with real mpv under Xvfb, with its exit code; bad input and
 * Ctrl-C in start-up; --json parsed line by line; --keep-ticket across a host
 * restart; --record read back by ffprobe; completion in real bash, zsh, fish.
 */

const EXITED = /EXITED:(\d+)/;
const exitOf = async (t: TmuxTerminal, timeoutMs = 20_000): Promise<number> => Number((await t.waitFor(EXITED, timeoutMs))[1]);
const tmp = (): string => mkdtempSync(join(tmpdir(), 'pixelpass-truth-'));
const dirs: string[] = [];

/** Every stderr line of a --json run is one JSON object with event and time. */
function jsonEvents(stderr: string): Array<Record<string, unknown> & { event: string }> {
  return stderr
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const e = JSON.parse(l) as Record<string, unknown> & { event: string };
      expect(typeof e.event).toBe('string');
      expect(Number.isNaN(Date.parse(String(e.time)))).toBe(false);
      return e;
    });
}

/** The pid of a process whose parent is `pid` (the command a tmux pane's shell runs). */
function childOf(pid: number): number | undefined {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' }).trim();
  return out ? Number(out.split('\n')[0]) : undefined;
}

async function until(what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('the viewer is told why, with the right exit code (tmux, mpv under Xvfb)', () => {
  requireTools('tmux', 'Xvfb', 'mpv', 'gst-launch-1.0', 'ffprobe');
  let xvfb: XvfbServer;
  let env: Record<string, string | undefined>;

  beforeAll(async () => {
    xvfb = await startXvfb({ width: 320, height: 240 });
    env = { ...TEST_ENV, DISPLAY: xvfb.display, WAYLAND_DISPLAY: undefined, TERM: 'xterm-256color' };
  });
  afterEach(async () => {
    await killAllTerminals();
    await stopAllCli();
  });
  afterAll(async () => {
    await stopAllXvfb();
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  const host = (args: string[] = []): RunningCli => startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio', ...args]);
  const view = (ticket: string, player = 'mpv', extra: string[] = []): Promise<TmuxTerminal> =>
    startTerminal([process.execPath, CLI, 'view', ticket, '--player', player, ...extra], env);

  it('a wrong secret: exit 1 naming the ticket by its public tail, before any player starts', async () => {
    const h = host();
    const ticket = await h.firstLine;
    // One character of the secret changed (right after "pixelpass1").
    const wrong = `${ticket.slice(0, 12)}${ticket[12] === 'a' ? 'b' : 'a'}${ticket.slice(13)}`;
    const t = await view(wrong);
    expect(await exitOf(t)).toBe(1);
    const screen = await t.screen();
    expect(screen).toContain(`pixelpass: the ticket pixelpass1…${ticket.slice(-8)} is not valid for this host (wrong secret): ask the host for its current ticket`);
    expect(screen).not.toContain(ticket.slice(10, 42)); // no part of the secret
    expect(screen).not.toMatch(/mpv started|starting mpv again/);
  });

  it('the host is full: "the host is full (1 of 1 watching); try again later", exit 1, mpv not restarted', async () => {
    const h = host(['--max-viewers', '1']);
    const ticket = await h.firstLine;
    const first = startCli(['view', ticket, '--player', 'none']);
    const url = await first.firstLine;
    const reading = ffprobeCount(url, 12).catch(() => []);
    await until('the first viewer joined', () => / joined \(/.test(h.stderr()));
    const t = await view(ticket);
    expect(await exitOf(t)).toBe(1);
    const screen = await t.screen();
    expect(screen).toContain('pixelpass: the host is full (1 of 1 watching); try again later');
    expect(screen).not.toMatch(/starting mpv again|the player was closed/);
    await first.stop();
    await reading;
  });

  it('--approve: "waiting for the host to approve…", then "the host declined", exit 1', async () => {
    const dir = tmp();
    dirs.push(dir);
    const file = join(dir, 'ticket');
    const hostTerm = await startTerminal([process.execPath, CLI, 'host', '--source', 'test', '--test-size', '320x240', '--no-audio', '--approve', '--ticket-file', file], env);
    await until('the ticket file', () => existsSync(file));
    const t = await view(readFileSync(file, 'utf8').trim());
    await t.waitFor(/waiting for the host to approve…/);
    await hostTerm.waitFor(/wants to watch\. Allow\? \[y\/N\]/);
    await hostTerm.send(['n', 'Enter']);
    expect(await exitOf(t)).toBe(1);
    expect(await t.screen()).toContain('pixelpass: the host declined');
    expect(await t.screen()).not.toMatch(/starting mpv again/);
  });

  it('the host stops (Ctrl-C): "the host stopped sharing", exit 0, no Rust or "broke" text; what mpv got is recorded', async () => {
    const dir = tmp();
    dirs.push(dir);
    const rec = join(dir, 'with-mpv.ts');
    const h = host();
    const ticket = await h.firstLine;
    const t = await view(ticket, 'mpv', ['--record', rec]);
    await until('mpv is watching', () => / joined \(/.test(h.stderr()), 20_000);
    await until('a second recorded', () => existsSync(rec) && statSync(rec).size > 100_000, 20_000);
    await h.stop('SIGINT');
    expect(await exitOf(t)).toBe(0);
    const screen = await t.screen();
    expect(screen).toContain('pixelpass: the host stopped sharing');
    expect(screen).not.toMatch(/broke|ApplicationClose|ConnectionLost|error_code|reconnecting/);
    expect(screen).toMatch(/recorded \d+ bytes to .*with-mpv\.ts/);
    expect(processesOf(/\bmpv --profile=low-latency/)).toEqual([]);
    expect(statSync(rec).size % 188).toBe(0);
    const video = (await ffprobeCount(rec, 60)).find((s) => s.codec_type === 'video');
    expect(video).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(video?.nb_read_frames)).toBeGreaterThan(10);
  });

  it('a host that is gone: said after 3 s, a countdown, then one line and exit 1', async () => {
    const h = host();
    const ticket = await h.firstLine;
    await h.stop();
    const started = Date.now();
    const t = await view(ticket, 'none');
    await t.waitFor(/no answer from the host yet: it may have stopped sharing \(an old ticket\), or be offline; still trying/, 6000);
    expect(Date.now() - started).toBeLessThan(6000);
    await t.waitFor(/giving up in 1\d s/, 3000);
    expect(await exitOf(t, 30_000)).toBe(1);
    expect(await t.screen()).toContain('pixelpass: nothing answered for 20 s: the host has stopped sharing (an old ticket?), is offline, or cannot be reached from here');
  });

  it('Ctrl-C during start-up exits 0: while modules load, and while waiting for a relay', async () => {
    const early = await startTerminal([process.execPath, CLI, 'host', '--source', 'test', '--no-audio'], env);
    // While the modules load (~400 ms here): after node's own start-up (~50 ms), which no program can hook.
    await until('node started', () => childOf(early.pid) !== undefined, 5000);
    await new Promise((r) => setTimeout(r, 150));
    await early.send(['C-c']);
    expect(await exitOf(early, 10_000)).toBe(0);
    // Relays on, offline: the spinner says what it waits for; Ctrl-C there stops cleanly.
    const waiting = await startTerminal([process.execPath, CLI, 'host', '--source', 'test', '--no-audio'], { ...env, PIXELPASS_RELAY: 'on' });
    await waiting.waitFor(/reaching a relay, so viewers anywhere can connect \(up to 5 s; --relay off skips this\)/, 15_000);
    await waiting.send(['C-c']);
    expect(await exitOf(waiting, 10_000)).toBe(0);
    expect(await waiting.screen()).not.toMatch(/summary /);
  });
});

describe('bad input: one line, exit 2, no stack trace, nothing printed before it', () => {
  it.each([
    [['host', '--source', 'test', '--bind', 'nonsense'], /^pixelpass: --bind must be IP:PORT, e\.g\. 127\.0\.0\.1:0/],
    [['host', '--source', 'test', '--ticket-file', '/tmp'], /^pixelpass: --ticket-file \/tmp: that is a folder; give a file path, e\.g\. \/tmp\/pixelpass-ticket$/],
    [['host', '--source', 'test', '--test-pattern', 'nope'], /^pixelpass: --test-pattern "nope" is not a test pattern; use one of: smpte, snow, /],
    [['host', '--source', 'test', '--test-size', 'banana'], /^pixelpass: --test-size must be WIDTHxHEIGHT, each from 16 to 8192, e\.g\. 1280x720 \(got "banana"\)$/],
    [['host', '--source', 'test', '--relay', 'ftp://relay'], /^pixelpass: --relay must be on, off or relay URLs/],
    [['hots'], /^pixelpass: unknown command 'hots' \(Did you mean host\?\)$/],
    [['view', 'pixelpass1abc'], /^pixelpass: the ticket is truncated; copy it again in full$/],
    [['host', '--source', 'x11', '--no-audio', '--display', ''], /DISPLAY is not set/],
  ])('%j', async (args, line) => {
    const r = await runCli(args, { DISPLAY: '' });
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(line);
    expect(r.stdout).toBe('');
  });

  it('a pasted ticket: spaces around it, and a line break inside it, both watch', async () => {
    const h = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio']);
    const ticket = await h.firstLine;
    for (const args of [[` ${ticket} `, '--player', 'none'], ['view', `${ticket.slice(0, 60)}\n  ${ticket.slice(60)}`, '--player', 'none'], ['view', ticket.slice(0, 60), ticket.slice(60), '--player', 'none']]) {
      const v = startCli(args);
      expect(await v.firstLine).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
      await v.stop();
    }
    await h.stop();
  });
});

describe('--json, --keep-ticket and --record, end to end', () => {
  requireTools('gst-launch-1.0', 'ffprobe');
  afterEach(async () => {
    await stopAllCli();
  });
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('the ticket survives a host restart; --json events parse; the recording is a file ffprobe reads; --new-ticket rotates', async () => {
    const state = tmp();
    const out = tmp();
    dirs.push(state, out);
    const stateEnv = { XDG_STATE_HOME: state };
    const rec = join(out, 'watched.ts');

    const host1 = startCli(['host', '--source', 'test', '--test-size', '320x240', '--keep-ticket', '--json'], stateEnv);
    const ticket = await host1.firstLine;
    const kept = join(state, 'pixelpass', 'ticket.json');
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(statSync(join(state, 'pixelpass')).mode & 0o777).toBe(0o700);
    expect(readFileSync(kept, 'utf8')).not.toContain(ticket);

    // Recording without a player: the recorder takes the stream itself.
    const viewer = startCli(['view', ticket, '--player', 'none', '--record', rec, '--json']);
    await viewer.firstLine;
    await until('two seconds recorded', () => existsSync(rec) && statSync(rec).size > 400_000, 20_000);
    await host1.stop('SIGINT');
    expect((await viewer.exited).code).toBe(0);

    const hostEvents = jsonEvents(host1.stderr());
    const names = hostEvents.map((e) => e.event);
    expect(names.slice(-1)).toEqual(['exit']);
    expect(hostEvents.find((e) => e.event === 'ticket')).toMatchObject({ output: 'stdout', kept: true, ticket: `pixelpass1…${ticket.slice(-8)}` });
    expect(hostEvents.find((e) => e.event === 'viewer-joined')).toMatchObject({ path: 'direct', watching: 1, maxViewers: 2, rttMs: expect.any(Number) });
    expect(hostEvents.find((e) => e.event === 'ended')).toMatchObject({ reason: 'stopped (SIGINT)' });
    expect(hostEvents.find((e) => e.event === 'exit')).toMatchObject({ code: 0 });
    expect(host1.stderr()).not.toContain(ticket); // stderr is often logged: the ticket is not in it

    const viewerEvents = jsonEvents(viewer.stderr());
    expect(viewerEvents.map((e) => e.event)).toEqual(expect.arrayContaining(['connected', 'watching', 'player-started', 'first-bytes', 'ended', 'exit']));
    expect(viewerEvents.find((e) => e.event === 'connected')).toMatchObject({ path: 'direct', rttMs: expect.any(Number) });
    const ended = viewerEvents.find((e) => e.event === 'ended')!;
    expect(ended).toMatchObject({ reason: 'host-stopped', message: 'the host stopped sharing' });
    expect(ended.recordedBytes).toBe(statSync(rec).size);

    // The recording: whole TS packets, 0600, H.264 + AAC that decode.
    expect(statSync(rec).size % 188).toBe(0);
    expect(statSync(rec).mode & 0o777).toBe(0o600);
    const streams = await ffprobeCount(rec, 60);
    expect(streams.find((s) => s.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320, height: 240 });
    expect(Number(streams.find((s) => s.codec_type === 'video')?.nb_read_frames)).toBeGreaterThan(30);
    expect(streams.find((s) => s.codec_type === 'audio')).toMatchObject({ codec_name: 'aac' });
    // A second --record to the same file does not overwrite it.
    const again = await runCli(['view', ticket, '--record', rec]);
    expect(again.code).toBe(2);
    expect(again.stderr.trim()).toMatch(/--record .*watched\.ts: the file exists; give a new name/);

    // Restarted: the same ticket, and the old ticket watches.
    const host2 = startCli(['host', '--source', 'test', '--test-size', '320x240', '--keep-ticket'], stateEnv);
    expect(await host2.firstLine).toBe(ticket);
    const v2 = startCli(['view', ticket, '--player', 'none']);
    const video = (await ffprobeCount(await v2.firstLine, 2)).find((s) => s.codec_type === 'video');
    expect(Number(video?.nb_read_frames)).toBeGreaterThan(10);
    await v2.stop();
    await host2.stop();

    // --new-ticket: the kept one is forgotten; this run's ticket is another.
    const host3 = startCli(['host', '--source', 'test', '--test-size', '320x240', '--new-ticket'], stateEnv);
    expect(await host3.firstLine).not.toBe(ticket);
    expect(host3.stderr()).toMatch(/forgot the kept ticket/);
    expect(existsSync(kept)).toBe(false);
    await host3.stop();
  });

  it('self-hosted relays: doctor asks each one; a host with an unreachable one says so and still hands out a working ticket', async () => {
    // An HTTP server answering GET /ping as iroh-relay does (no relay server is installable here), and a closed port.
    const ping: Server = createServer((req, res) => res.writeHead(req.url === '/ping' ? 200 : 404).end());
    await new Promise<void>((r) => ping.listen(0, '127.0.0.1', () => r()));
    const port = (ping.address() as { port: number }).port;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise<void>((r) => closed.close(() => r()));
    try {
      const relays = `http://127.0.0.1:${port},http://127.0.0.1:${closedPort}`;
      const doctor = await runCli(['doctor', '--relay', relays], {}, 90_000);
      const lines = doctor.stdout.split('\n');
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✓ relay http://127\\.0\\.0\\.1:${port} reachable \\(\\d+ ms\\)$`)));
      expect(lines).toContainEqual(expect.stringMatching(new RegExp(`^✗ relay http://127\\.0\\.0\\.1:${closedPort} unreachable \\(no answer \\(.*\\); only direct connections will work\\)`)));

      const started = Date.now();
      const host = startCli(['host', '--source', 'test', '--test-size', '320x240', '--no-audio', '--relay', `http://127.0.0.1:${closedPort}`]);
      const ticket = await host.firstLine;
      expect(Date.now() - started).toBeLessThan(15_000);
      await until('the relay warning', () => /no relay answered within 5 s/.test(host.stderr()));
      const v = startCli(['view', ticket, '--player', 'none']);
      const video = (await ffprobeCount(await v.firstLine, 2)).find((s) => s.codec_type === 'video');
      expect(Number(video?.nb_read_frames)).toBeGreaterThan(10);
      await v.stop();
      await host.stop();
    } finally {
      await new Promise<void>((r) => ping.close(() => r()));
    }
  });
});

describe('shell completion and help topics', () => {
  requireTools('bash', 'zsh', 'fish');
  let dir: string;
  beforeAll(() => {
    dir = tmp();
    dirs.push(dir);
    for (const shell of ['bash', 'zsh', 'fish']) {
      execFileSync('sh', ['-c', `"${process.execPath}" "${CLI}" completion ${shell} > "${dir}/${shell === 'zsh' ? '_pixelpass' : `pixelpass.${shell}`}"`]);
    }
  });
  afterAll(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });
  const sh = (cmd: string, args: string[]): Promise<string> =>
    new Promise((resolve, reject) => {
      execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd}: ${stderr || err.message}`)) : resolve(stdout)));
    });

  it('bash completes commands, flags and flag values', async () => {
    const complete = async (line: string): Promise<string[]> =>
      (await sh('bash', ['-c', `source "${dir}/pixelpass.bash"; COMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]} - 1)); _pixelpass; printf '%s\\n' "\${COMPREPLY[@]}"`]))
        .trim()
        .split('\n');
    expect(await complete('pixelpass ho')).toEqual(['host']);
    expect(await complete('pixelpass host --sou')).toEqual(['--source']);
    expect(await complete("pixelpass host --source ''")).toEqual(['auto', 'test', 'x11', 'wayland']);
    expect(await complete("pixelpass -v view --player ''")).toEqual(['mpv', 'vlc', 'none']);
    expect(await complete('pixelpass view --rec')).toEqual(['--record']);
    expect((await complete("pixelpass completion ''")).slice(0, 3)).toEqual(['bash', 'zsh', 'fish']);
  });

  it('zsh loads the script through compinit; fish completes from it', async () => {
    await sh('zsh', ['-n', join(dir, '_pixelpass')]);
    const loaded = await sh('zsh', ['-fc', `fpath=(${dir} $fpath); autoload -Uz compinit; compinit -u -d ${dir}/.zcompdump; print -r -- $_comps[pixelpass]`]);
    expect(loaded.trim()).toBe('_pixelpass');
    const fish = (line: string): Promise<string> => sh('fish', ['--no-config', '-c', `source ${dir}/pixelpass.fish; complete -C '${line}'`]);
    expect(await fish('pixelpass ')).toMatch(/^host\tshare this screen/m);
    expect((await fish('pixelpass host --source ')).trim().split('\n').map((l) => l.split('\t')[0]).sort()).toEqual(['auto', 'test', 'wayland', 'x11']);
    expect(await fish('pixelpass view --re')).toMatch(/^--record\t/m);
  });

  it('help <topic> prints the topic; help lists them; an unknown one is exit 2', async () => {
    const json = await runCli(['help', 'json']);
    expect(json.code).toBe(0);
    expect(json.stdout).toMatch(/one JSON object per line on stderr/);
    const list = await runCli(['help']);
    expect(list.stdout).toMatch(/Topics \(pixelpass help <topic>\):\n {2}tickets/);
    const none = await runCli(['help', 'nope']);
    expect(none.code).toBe(2);
    expect(none.stderr.trim()).toBe('pixelpass: help: no command or topic "nope"; topics: tickets, exit-codes, json, relays, record, security, completion');
  });
});
