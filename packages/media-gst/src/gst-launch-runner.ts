import { PassThrough } from 'node:stream';
import { execa, type Options, type ResultPromise } from 'execa';
import {
  MissingDependency,
  PipelineFailed,
  pipelineRequirements,
  type ReadinessCheck,
  isCommandMissing,
  type MediaRunner,
  type PipelineSpec,
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

export interface GstLaunchOptions {
  /** Grace period between EOS (SIGINT) and SIGKILL. */
  readonly stopGraceMs?: number;
  /** Check every element with gst-inspect before the first start. */
  readonly checkElements?: boolean;
}

/** Runs a composed pipeline as one `gst-launch-1.0` process writing MPEG-TS to stdout. */
export class GstLaunchRunner implements MediaRunner {
  constructor(private readonly options: GstLaunchOptions = {}) {}

  /** gst-launch-1.0 and every element a share's pipeline uses (sound's are advice: video goes on without). */
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
    const needed = pipelineRequirements();
    const [video, audio] = await Promise.all([elementReadiness(needed.video, 'host'), elementReadiness(needed.audio, 'advice', 'sound')]);
    return [launch, ...video, ...audio];
  }

  async start(spec: PipelineSpec): Promise<RunningMedia> {
    if (this.options.checkElements !== false) await assertElements(spec.description);
    // A capture fd N must be fd N in the child: the fragment refers to it by number.
    const maxFd = Math.max(2, ...spec.inheritFds);
    const stdio: Array<'ignore' | 'pipe' | number> = ['ignore', 'pipe', 'pipe'];
    for (let fd = 3; fd <= maxFd; fd++) stdio.push(spec.inheritFds.includes(fd) ? fd : 'ignore');

    const child = execa('gst-launch-1.0', ['-q', '-e', ...launchArgs(spec.description)], {
      stdio,
      buffer: false,
      reject: false,
      env: { ...spec.env },
      extendEnv: true,
      cleanup: true,
    } as unknown as Options) as ResultPromise;
    live.add(child);
    // Take stdout at once: awaiting execa's result (below) switches an unread
    // stdout to flowing mode, and what gst-launch writes before the hub reads
    // (PAT/PMT and the first keyframe) would be dropped.
    const output = new PassThrough({ highWaterMark: 1 << 20 });
    child.stdout?.pipe(output);
    const stderrTail: string[] = [];
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => {
      for (const line of text.split('\n')) if (line.trim()) stderrTail.push(line.trim());
      stderrTail.splice(0, Math.max(0, stderrTail.length - 20));
    });

    const exited = child.then((result) => {
      live.delete(child);
      const r = result as { exitCode?: number; signal?: string };
      if (isCommandMissing(result)) return { code: null, reason: `gst-launch-1.0 is missing; install ${GST_TOOLS_PACKAGE}` };
      const missing = stderrTail.join('\n').match(/no element "([^"]+)"/);
      if (missing) {
        return { code: r.exitCode ?? null, reason: `GStreamer element "${missing[1]}" is missing; install ${packageForElement(missing[1]!)}` };
      }
      const error = stderrTail.filter((l) => /ERROR|error|WARNING: erroneous/.test(l)).slice(-2).join(' | ');
      return {
        code: r.exitCode ?? null,
        reason: stopped ? '' : error || (r.signal ? `gst-launch-1.0 killed by ${r.signal}` : `gst-launch-1.0 exited with code ${r.exitCode}`),
      };
    });

    let stopped = false;
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

    // Fail start() when the process dies at once (bad element, bad caps).
    const early = await Promise.race([
      exited.then((e) => e),
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 150)),
    ]);
    if (early) {
      if (early.reason.includes('is missing')) {
        const m = early.reason.match(/^(.*) is missing; install (.*)$/);
        throw new MissingDependency(m?.[1] ?? 'a GStreamer component', m?.[2] ?? GST_TOOLS_PACKAGE);
      }
      throw new PipelineFailed(`the media pipeline failed to start: ${early.reason || `exit code ${early.code}`}`);
    }
    if (!child.stdout) throw new PipelineFailed('gst-launch-1.0 has no stdout');
    return {
      output: output as AsyncIterable<Uint8Array>,
      exited,
      pid: child.pid,
      stop,
    };
  }
}
