// Child processes of the benchmark and their cost, read from /proc. Every child
// is started in its own process group and killed with it, on success, failure
// and signals, so a broken run leaves nothing behind.
import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';

const CLK_TCK = 100; // Linux USER_HZ; /proc times are in these ticks.
const started = new Set();

/** Wall clock in ms with sub-ms resolution, comparable across processes. */
export function wallMs() {
  return performance.timeOrigin + performance.now();
}

/** A child in its own process group; stdout lines and stderr text captured. */
export function start(cmd, args, { env = {}, stdio, onLine, onErrLine } = {}) {
  const child = spawn(cmd, args, {
    env: { ...process.env, ...env },
    stdio: stdio ?? ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.add(child);
  let err = '';
  const lines = [];
  const waiters = [];
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (line) => {
      const t = wallMs();
      lines.push(line);
      onLine?.(line, t);
      for (const w of [...waiters]) w();
    });
  }
  if (child.stderr) {
    createInterface({ input: child.stderr }).on('line', (line) => {
      const t = wallMs();
      if (err.length < 200_000) err += `${line}\n`;
      onErrLine?.(line, t);
    });
  }
  const exited = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      started.delete(child);
      for (const w of [...waiters]) w();
      resolve({ code, signal });
    }),
  );
  const outputDone = new Promise((resolve) => (child.stdout ? child.stdout.once('close', resolve) : resolve()));
  const name = `${cmd.split('/').pop()} ${args.slice(0, 2).join(' ')}`;
  return {
    child,
    pid: child.pid,
    lines,
    stderr: () => err,
    exited,
    /** Resolves when stdout is closed (every line has been read). */
    outputDone,
    /** The first stdout line matching `test`, or a rejection naming the process. */
    waitLine(test = () => true, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.find(test);
          if (hit !== undefined) return finish(() => resolve(hit));
          if (child.exitCode !== null || child.signalCode !== null) {
            return finish(() => reject(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before the expected output: ${err.trim().split('\n').slice(-3).join(' | ')}`)));
          }
        };
        const timer = setTimeout(() => finish(() => reject(new Error(`${name}: no expected output within ${timeoutMs} ms: ${err.trim().split('\n').slice(-3).join(' | ')}`))), timeoutMs);
        const finish = (f) => {
          clearTimeout(timer);
          waiters.splice(waiters.indexOf(check), 1);
          f();
        };
        waiters.push(check);
        check();
      });
    },
    stop: (signal = 'SIGTERM') => stopChild(child, signal),
  };
}

async function stopChild(child, signal) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise((r) => child.once('exit', r));
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
  const timer = setTimeout(() => {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }, 5000);
  await gone;
  clearTimeout(timer);
  // The group may hold grandchildren (gst-launch under a host) that outlived it.
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    /* none left */
  }
}

/** Stops every child the benchmark started. */
export async function stopAll() {
  await Promise.all([...started].map((c) => stopChild(c, 'SIGTERM')));
}

for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    for (const c of started) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    process.exit(130);
  });
}

/** CPU seconds (user+system) of one process, or NaN when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / CLK_TCK;
  } catch {
    return Number.NaN;
  }
}

/** Resident set size of one process in MiB, or NaN when it is gone. */
export function rssMiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** The pids below `pid` (children, grandchildren, ...). */
export function descendants(pid) {
  const parent = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      parent.set(Number(e), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      /* gone */
    }
  }
  const out = [];
  const walk = (p) => {
    for (const [c, pp] of parent) {
      if (pp !== p) continue;
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** Process name (comm) of a pid. */
export function comm(pid) {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
