import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { openSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTools } from './require-tools.js';
import { toSamples } from './tone-analysis.js';

/** Name of the null sink the tests use as "the user's speakers". */
export const SPEAKERS = 'pp_test_speakers';

export interface SoundServer {
  /** Environment that points pactl, GStreamer and pixelpass at this server. */
  readonly env: Record<string, string>;
  readonly dir: string;
  /** `pactl <args>` against this server; resolves stdout, rejects on failure. */
  pactl(...args: string[]): Promise<string>;
  /** Log files of the daemons, for failure messages. */
  logs(): Promise<string>;
  stop(): Promise<void>;
}

function run(cmd: string, args: string[], env: Record<string, string>, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs }, (err, stdout, stderr) =>
      err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr.trim() || err.message}`)) : resolve(stdout),
    );
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Detached (own process group) so stop() can kill each daemon with whatever it spawned. */
function daemon(cmd: string, args: string[], env: Record<string, string>, log: string): ChildProcess {
  const fd = openSync(log, 'a');
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', fd, fd], detached: true });
  closeSync(fd);
  child.on('error', () => undefined);
  return child;
}

async function killGroup(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    process.kill(-child.pid, 'SIGTERM');
  } catch {
    return;
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 3000);
  await exited;
  clearTimeout(timer);
}

/**
 * A private PipeWire sound server: its own session bus, pipewire, wireplumber
 * and pipewire-pulse on a fresh XDG_RUNTIME_DIR (root, no systemd), with a null
 * sink as the default output standing in for speakers.
 */
export async function startSoundServer(): Promise<SoundServer> {
  requireTools('dbus-daemon', 'pipewire', 'wireplumber', 'pipewire-pulse', 'pactl');
  const dir = await mkdtemp(join(tmpdir(), 'pp-sound-'));
  const children: ChildProcess[] = [];
  const env: Record<string, string> = {
    XDG_RUNTIME_DIR: dir,
    PIPEWIRE_RUNTIME_DIR: dir,
    PULSE_SERVER: `unix:${dir}/pulse/native`,
    // WirePlumber remembers stream routes; keep that state out of the real home.
    XDG_STATE_HOME: join(dir, 'state'),
    XDG_CONFIG_HOME: join(dir, 'config'),
    PULSE_COOKIE: join(dir, 'pulse-cookie'),
  };
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await killGroup(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const bus = daemon('dbus-daemon', ['--session', '--nofork', '--print-address=1', '--nopidfile'], {}, join(dir, 'dbus.log'));
    children.push(bus);
    // stdout went to the log; read the address from it.
    env['DBUS_SESSION_BUS_ADDRESS'] = await waitFor(async () => {
      const { readFile } = await import('node:fs/promises');
      const line = (await readFile(join(dir, 'dbus.log'), 'utf8')).split('\n').find((l) => l.startsWith('unix:'));
      return line?.trim();
    }, 'dbus-daemon to print its address');
    children.push(daemon('pipewire', [], env, join(dir, 'pipewire.log')));
    await waitFor(async () => ((await exists(join(dir, 'pipewire-0'))) ? true : undefined), 'pipewire to listen');
    children.push(daemon('wireplumber', [], env, join(dir, 'wireplumber.log')));
    children.push(daemon('pipewire-pulse', [], env, join(dir, 'pipewire-pulse.log')));
    await waitFor(async () => run('pactl', ['info'], env).then(() => true, () => undefined), 'pactl info to answer');
    await run('pactl', ['load-module', 'module-null-sink', `sink_name=${SPEAKERS}`, 'sink_properties=device.description=TestSpeakers'], env);
    // WirePlumber applies the default only once it is up: retry until pactl reports it.
    await waitFor(async () => {
      await run('pactl', ['set-default-sink', SPEAKERS], env);
      const info = JSON.parse(await run('pactl', ['--format=json', 'info'], env)) as { default_sink_name?: string };
      return info.default_sink_name === SPEAKERS ? true : undefined;
    }, `${SPEAKERS} to become the default sink`);
  } catch (err) {
    const logs = await readLogs(dir);
    await stop();
    throw new Error(`could not start the private sound server: ${(err as Error).message}\n${logs}`);
  }
  return {
    env,
    dir,
    pactl: (...args) => run('pactl', args, env),
    logs: () => readLogs(dir),
    stop,
  };
}

async function exists(path: string): Promise<boolean> {
  const { access } = await import('node:fs/promises');
  return access(path).then(
    () => true,
    () => false,
  );
}

async function readLogs(dir: string): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const parts: string[] = [];
  for (const f of ['pipewire.log', 'wireplumber.log', 'pipewire-pulse.log']) {
    const text = await readFile(join(dir, f), 'utf8').catch(() => '');
    if (text.trim()) parts.push(`--- ${f}\n${text.split('\n').slice(-15).join('\n')}`);
  }
  return parts.join('\n');
}

async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export interface TonePlayer {
  readonly pid: number;
  readonly name: string;
  stop(): Promise<void>;
}

/**
 * An application playing a sine tone through the pulse API, with its own
 * application.name (what `--app` matches) and frequency.
 */
export async function startTone(server: SoundServer, name: string, freqHz: number): Promise<TonePlayer> {
  const child = spawn(
    'gst-launch-1.0',
    [
      '-q',
      'audiotestsrc', 'is-live=true', 'wave=sine', `freq=${freqHz}`, 'volume=0.4',
      '!', 'audio/x-raw,rate=48000,channels=2',
      '!', 'pulsesink', `client-name=${name}`, `stream-properties=props,application.name=${name},media.name=${name}-tone`,
    ],
    { env: { ...process.env, ...server.env }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  child.on('error', () => undefined);
  const player: TonePlayer = { pid: child.pid!, name, stop: () => killGroup(child) };
  try {
    await waitFor(async () => {
      if (child.exitCode !== null) throw new Error(`tone player ${name} exited: ${err}`);
      const inputs = JSON.parse(await server.pactl('--format=json', 'list', 'sink-inputs')) as Array<{ properties: Record<string, string> }>;
      return inputs.some((i) => i.properties['application.process.id'] === String(child.pid)) ? true : undefined;
    }, `tone player ${name} to play`);
  } catch (e) {
    await player.stop();
    throw new Error(`${(e as Error).message} ${err}`);
  }
  return player;
}

/**
 * Records `seconds` of a PulseAudio source (e.g. "<sink>.monitor") as mono
 * 16-bit 48 kHz samples, through GStreamer like any other client.
 */
export function recordSource(server: SoundServer, device: string, seconds: number): Promise<Int16Array> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'gst-launch-1.0',
      [
        '-q',
        'pulsesrc', `device=${device}`, `num-buffers=${Math.round(seconds * 100)}`, 'buffer-time=20000', 'latency-time=10000',
        '!', 'audioconvert', '!', 'audioresample', '!', 'audio/x-raw,format=S16LE,rate=48000,channels=1',
        '!', 'fdsink', 'fd=1',
      ],
      { env: { ...process.env, ...server.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout!.on('data', (d: Buffer) => chunks.push(d));
    child.stderr!.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), (seconds + 10) * 1000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      if (code !== 0) return reject(new Error(`recording ${device} failed (${code}): ${err}`));
      resolve(toSamples(Buffer.concat(chunks)));
    });
  });
}
