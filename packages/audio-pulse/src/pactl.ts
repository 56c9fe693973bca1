import { execa, type ResultPromise } from 'execa';
import { MissingDependency, PixelpassError, isCommandMissing } from '@pixelpass/core';
import {
  PactlOutputError,
  parseClients,
  parseModuleIndex,
  parseServerInfo,
  parseSinkInputs,
  parseSinks,
  parseSourceOutputs,
  type ServerInfo,
  type ServerState,
  type Sink,
  type SinkInput,
} from './pulse-model.js';

/** No sound server answers (none running, or PULSE_SERVER points nowhere). */
export class SoundServerUnavailable extends PixelpassError {}

export interface PactlOptions {
  /** Extra environment (e.g. PULSE_SERVER) for every pactl call. */
  readonly env?: Readonly<Record<string, string>>;
  readonly timeoutMs?: number;
}

/** The sound server as `pactl` sees it; every answer is parsed from `--format=json`. */
export class Pactl {
  constructor(private readonly options: PactlOptions = {}) {}

  /** Environment a child (gst-launch, pactl) needs to reach the same server. */
  get env(): Record<string, string> {
    const out: Record<string, string> = {};
    for (const key of ['PULSE_SERVER', 'PULSE_COOKIE', 'XDG_RUNTIME_DIR'] as const) {
      const value = this.options.env?.[key] ?? process.env[key];
      if (value) out[key] = value;
    }
    return out;
  }

  async run(args: readonly string[]): Promise<string> {
    const result = await execa('pactl', args, {
      env: { ...this.options.env },
      extendEnv: true,
      reject: false,
      timeout: this.options.timeoutMs ?? 5000,
      stdin: 'ignore',
    });
    if (isCommandMissing(result)) {
      throw new MissingDependency('pactl', 'pulseaudio-utils');
    }
    if (result.exitCode !== 0 || result.failed) {
      const detail = String(result.stderr ?? '').trim().split('\n').pop() || `exit code ${result.exitCode}`;
      if (/connection refused|connection failure|no such file|access denied|timeout/i.test(detail) || result.timedOut) {
        const where = this.options.env?.['PULSE_SERVER'] ?? process.env['PULSE_SERVER'];
        const why = detail.replace(/^(pa_context_connect\(\) failed|Connection failure):\s*/i, '');
        throw new SoundServerUnavailable(`no PulseAudio/PipeWire sound server answers${where ? ` at ${where}` : ''} (${why})`);
      }
      throw new PixelpassError(`pactl ${args.filter((a) => !a.startsWith('--format')).join(' ')} failed: ${detail}`);
    }
    return String(result.stdout);
  }

  async json(args: readonly string[]): Promise<string> {
    return this.run(['--format=json', ...args]);
  }

  async info(): Promise<ServerInfo> {
    try {
      return parseServerInfo(await this.json(['info']));
    } catch (err) {
      if (err instanceof PactlOutputError) throw new PixelpassError(err.message);
      throw err;
    }
  }

  async sinks(): Promise<Sink[]> {
    return parseSinks(await this.json(['list', 'sinks']));
  }

  async sinkInputs(): Promise<SinkInput[]> {
    return parseSinkInputs(await this.json(['list', 'sink-inputs']));
  }

  async state(): Promise<ServerState> {
    const [info, sinks, sinkInputs, sourceOutputs, clients] = await Promise.all([
      this.info(),
      this.sinks(),
      this.sinkInputs(),
      this.json(['list', 'source-outputs']).then(parseSourceOutputs),
      this.json(['list', 'clients']).then(parseClients),
    ]);
    return { info, sinks, sinkInputs, sourceOutputs, clients };
  }

  async loadModule(name: string, args: readonly string[]): Promise<number> {
    return parseModuleIndex(await this.run(['load-module', name, ...args]));
  }

  async unloadModule(index: number): Promise<void> {
    await this.run(['unload-module', String(index)]);
  }

  async moveSinkInput(index: number, sink: string): Promise<void> {
    await this.run(['move-sink-input', String(index), sink]);
  }

  /** A long-running `pactl subscribe`; the caller reads its stdout and kills it. */
  subscribe(clientName: string): ResultPromise {
    return execa('pactl', ['--client-name', clientName, '--format=json', 'subscribe'], {
      env: { ...this.options.env },
      extendEnv: true,
      reject: false,
      buffer: false,
      stdin: 'ignore',
      stderr: 'ignore',
      cleanup: true,
    });
  }
}

/** No server or no pactl: audio is off, video goes on. */
export function isUnavailable(err: unknown): err is PixelpassError {
  return err instanceof SoundServerUnavailable || (err instanceof PixelpassError && err.kind === 'missing-dependency');
}

/** Whether a process with this pid exists (EPERM: it exists but is not ours). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
