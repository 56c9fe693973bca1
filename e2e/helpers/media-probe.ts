import { execFile } from 'node:child_process';

export interface ProbedStream {
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  nb_read_frames?: string;
}

/** ffprobe decodes `seconds` of the URL and reports streams and decoded frame counts. */
export function ffprobeCount(url: string, seconds: number): Promise<ProbedStream[]> {
  return new Promise((resolve, reject) => {
    execFile(
      'ffprobe',
      ['-v', 'error', '-count_frames', '-read_intervals', `%+${seconds}`, '-show_streams', '-of', 'json', url],
      { timeout: (seconds + 30) * 1000, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`ffprobe failed: ${err.message} ${stderr}`));
        resolve((JSON.parse(stdout) as { streams: ProbedStream[] }).streams);
      },
    );
  });
}

/** mpv decodes `frames` video frames headless; returns its exit code and output. */
export function mpvDecode(url: string, frames: number): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    execFile(
      'mpv',
      ['--no-config', '--vo=null', '--ao=null', `--frames=${frames}`, '--msg-level=all=v', url],
      { timeout: 60_000, maxBuffer: 20 * 1024 * 1024 },
      (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
    );
  });
}

/** Child pids of `pid` (direct children), from /proc. */
export async function childPids(pid: number): Promise<number[]> {
  const { readdir, readFile } = await import('node:fs/promises');
  const out: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = await readFile(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      /* gone */
    }
  }
  return out;
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
