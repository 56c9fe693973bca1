import { existsSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { execa, type Options, type ResultPromise } from 'execa';
import {
  MissingDependency,
  PipelineFailed,
  isCommandMissing,
  pipelineRequirements,
  type MediaControl,
  type MediaRunner,
  type PipelineSpec,
  type ReadinessCheck,
  type RunningMedia,
} from '@pixelpass/core';
import { elementReadiness, GST_TOOLS_PACKAGE, packageForElement } from '@pixelpass/gst';
import { assertElements } from './gst-inspect.js';
import { launchArgs } from './launch-args.js';

const live = new Set<ResultPromise>();
// Last resort: a child must not outlive us even on an unexpected exit path.
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** The media process program (GStreamer's Python bindings); `media/` sits beside `dist/` and beside the npm bundle. */
export const MEDIA_SCRIPT = fileURLToPath(new URL('../media/pixelpass-media.py', import.meta.url));
/** Debian's own python3 has the bindings; a pyenv or venv python on PATH usually has not. */
const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
export const PYTHON_GST_PACKAGE = 'python3-gst-1.0 (GStreamer Python bindings, with gir1.2-gst-plugins-base-1.0)';

export type MediaLauncher = 'python' | 'gst-launch';

let bindings: Promise<string | undefined> | undefined;

/** Why the controllable media process cannot run here (undefined: it can), asked once per process. */
export function pythonBindingsMissing(): Promise<string | undefined> {
  bindings ??= execa(
    PYTHON,
    ['-c', "import gi; gi.require_version('Gst', '1.0'); gi.require_version('GstVideo', '1.0'); from gi.repository import Gst, GstVideo"],
    { reject: false, timeout: 15_000, stdin: 'ignore' },
  ).then((r) => {
    if (isCommandMissing(r)) return `${PYTHON} is missing`;
    if (r.exitCode !== 0) return String(r.stderr).trim().split('\n').at(-1) || `${PYTHON} cannot load GStreamer`;
    return existsSync(MEDIA_SCRIPT) ? undefined : `${MEDIA_SCRIPT} is missing from the installation`;
  });
  return bindings;
}

export interface GstMediaOptions {
  /** Grace period between EOS (SIGINT) and SIGKILL. */
  readonly stopGraceMs?: number;
  /** Check every element with gst-inspect before the first start. */
  readonly checkElements?: boolean;
  /**
   * The process to run: `python` takes commands while it plays (keyframes on
   * demand, bitrate); `gst-launch` does not. Default: python when its bindings
   * load, else gst-launch (env PIXELPASS_MEDIA overrides, for tests).
   */
  readonly launcher?: MediaLauncher;
}

/**
 * Runs a composed pipeline as one process writing MPEG-TS to stdout: the
 * pixelpass media program on GStreamer's Python bindings (it takes commands on
 * stdin), or plain gst-launch-1.0 where those bindings are not installed.
 * Either way pixels never pass through Node, and the process dying cannot take
 * the host down: its end is reported like any capture end.
 */
export class GstMediaRunner implements MediaRunner {
  constructor(private readonly options: GstMediaOptions = {}) {}

  async takesCommands(): Promise<boolean> {
    return (await this.launcher()) === 'python';
  }

  async launcher(): Promise<MediaLauncher> {
    const forced = this.options.launcher ?? (process.env.PIXELPASS_MEDIA as MediaLauncher | undefined);
    if (forced === 'python' || forced === 'gst-launch') return forced;
    return (await pythonBindingsMissing()) ? 'gst-launch' : 'python';
  }

  /** gst-launch-1.0, the Python bindings (advice: without them no keyframe on demand), and every element a share uses. */
  async readiness(): Promise<ReadinessCheck[]> {
    const r = await execa('gst-launch-1.0', ['--version'], { reject: false, timeout: 10_000, stdin: 'ignore' });
    const version = /GStreamer\s+([\d.]+)/.exec(String(r.stdout))?.[1];
    const launch: ReadinessCheck = {
      label: 'gst-launch-1.0',
      status: r.exitCode === 0 ? 'ok' : 'fail',
      need: 'host',
      detail: r.exitCode === 0 ? `GStreamer ${version ?? '?'}` : undefined,
      install: GST_TOOLS_PACKAGE,
    };
    const missing = await pythonBindingsMissing();
    const python: ReadinessCheck = missing
      ? { label: 'GStreamer Python bindings', status: 'fail', need: 'advice', detail: `${missing}; late viewers then start from the last keyframe, behind live`, install: PYTHON_GST_PACKAGE }
      : { label: 'GStreamer Python bindings', status: 'ok', need: 'advice', detail: 'keyframes on demand: every viewer at the live edge' };
    const needed = pipelineRequirements();
    const [video, audio] = await Promise.all([elementReadiness(needed.video, 'host'), elementReadiness(needed.audio, 'advice', 'sound')]);
    return [launch, python, ...video, ...audio];
  }

  async start(spec: PipelineSpec): Promise<RunningMedia> {
    if (this.options.checkElements !== false) await assertElements(spec.description);
    const launcher = await this.launcher();
    // A capture fd N must be fd N in the child: the fragment refers to it by number.
    const maxFd = Math.max(2, ...spec.inheritFds);
    const stdio: Array<'ignore' | 'pipe' | number> = [launcher === 'python' ? 'pipe' : 'ignore', 'pipe', 'pipe'];
    for (let fd = 3; fd <= maxFd; fd++) stdio.push(spec.inheritFds.includes(fd) ? fd : 'ignore');
    const [command, args] =
      launcher === 'python'
        ? [PYTHON, ['-u', MEDIA_SCRIPT, spec.description]]
        : ['gst-launch-1.0', ['-q', '-e', ...launchArgs(spec.description)]];
    const child = execa(command, args, {
      stdio,
      buffer: false,
      reject: false,
      env: { ...spec.env },
      extendEnv: true,
      cleanup: true,
    } as unknown as Options) as ResultPromise;
    live.add(child);
    // Take stdout at once: awaiting execa's result (below) switches an unread
    // stdout to flowing mode, and what the process writes before the hub reads
    // (PAT/PMT and the first keyframe) would be dropped.
    const output = new PassThrough({ highWaterMark: 1 << 20 });
    child.stdout?.pipe(output);
    const stderrTail: string[] = [];
    let playing: () => void = () => undefined;
    const isPlaying = new Promise<void>((resolve) => (playing = resolve));
    let pending = '';
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      const lines = (pending + text).split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('PIXELPASS ')) {
          if (line.includes('"playing"')) playing();
          continue;
        }
        if (line.trim()) stderrTail.push(line.trim());
      }
      stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
    });

    let stopped = false;
    const exited = child.then((result) => {
      live.delete(child);
      const r = result as { exitCode?: number; signal?: string };
      if (isCommandMissing(result)) {
        return { code: null, reason: launcher === 'python' ? `${PYTHON} is missing; install python3` : `gst-launch-1.0 is missing; install ${GST_TOOLS_PACKAGE}` };
      }
      const missing = stderrTail.join('\n').match(/no element "([^"]+)"/);
      if (missing) {
        return { code: r.exitCode ?? null, reason: `GStreamer element "${missing[1]}" is missing; install ${packageForElement(missing[1]!)}` };
      }
      const error = stderrTail.filter((l) => /ERROR|error|WARNING: erroneous|Traceback/.test(l)).slice(-2).join(' | ');
      return {
        code: r.exitCode ?? null,
        reason: stopped ? '' : error || (r.signal ? `the media process was killed by ${r.signal}` : `the media process exited with code ${r.exitCode}`),
      };
    });

    const stop = async (): Promise<void> => {
      if (stopped) return void (await exited);
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT');
        const grace = setTimeout(() => child.kill('SIGKILL'), this.options.stopGraceMs ?? 1500);
        await exited;
        clearTimeout(grace);
      }
      await exited;
    };

    // Fail start() when the process dies at once (bad element, bad caps). The
    // Python program says when it plays; gst-launch says nothing, so give it a moment.
    const early = await Promise.race([
      exited,
      launcher === 'python' ? isPlaying.then(() => undefined) : new Promise<undefined>((r) => setTimeout(() => r(undefined), 150)),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 5000)),
    ]);
    if (early) {
      if (early.reason.includes('is missing')) {
        const m = early.reason.match(/^(.*) is missing; install (.*)$/);
        throw new MissingDependency(m?.[1] ?? 'a GStreamer component', m?.[2] ?? GST_TOOLS_PACKAGE);
      }
      throw new PipelineFailed(`the media pipeline failed to start: ${early.reason || `exit code ${early.code}`}`);
    }
    if (!child.stdout) throw new PipelineFailed('the media process has no stdout');
    return {
      output: output as AsyncIterable<Uint8Array>,
      exited,
      pid: child.pid,
      control: launcher === 'python' ? commandsTo(child) : undefined,
      stop,
    };
  }
}

/** Commands as JSON lines on the media program's stdin; a process already gone takes none. */
function commandsTo(child: ResultPromise): MediaControl {
  const send = (command: Record<string, unknown>): void => {
    const stdin = child.stdin;
    if (!stdin || stdin.destroyed || child.exitCode !== null) return;
    stdin.write(`${JSON.stringify(command)}\n`, () => undefined);
  };
  child.stdin?.on('error', () => undefined);
  return {
    requestKeyframe: () => send({ cmd: 'keyframe' }),
    set: (element, property, value) => send({ cmd: 'set', element, property, value }),
    keyframeEvery: (seconds) => send({ cmd: 'keyframe-every', seconds }),
  };
}
