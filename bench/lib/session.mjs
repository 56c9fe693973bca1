// Starting the pieces of one measured session: bench hosts, real CLI viewers,
// readers; and windows over which bytes and CPU are compared.
import { CLI, ROOT } from './paths.mjs';
import { cpuSeconds, sleep, start, wallMs } from './proc.mjs';

const NODE = process.execPath;
export const TEST_ENV = { PIXELPASS_RELAY: 'off', PIXELPASS_BIND: '127.0.0.1:0' };

const json = (line) => {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
};

/** lib/bench-host.mjs with `args`; resolves once it printed its ticket. */
export async function benchHost(args, extra = {}) {
  const p = start(NODE, [`${ROOT}bench/lib/bench-host.mjs`, ...args], extra);
  const ready = json(await p.waitLine((l) => l.startsWith('{"type":"ready"'), 30_000));
  return { ...p, ticket: ready.ticket, directUrl: ready.directUrl, lastStats: () => lastOf(p.lines, 'stats') };
}

/** `pixelpass view <ticket> --player none`; resolves with its local URL. */
export async function cliViewer(ticket) {
  const p = start(NODE, [CLI, 'view', ticket, '--player', 'none'], { env: TEST_ENV });
  const url = await p.waitLine((l) => l.startsWith('http://'), 30_000);
  return { ...p, url };
}

/** `pixelpass host <args>`; resolves with its ticket. */
export async function cliHost(args) {
  const p = start(NODE, [CLI, 'host', ...args], { env: TEST_ENV });
  const ticket = await p.waitLine((l) => l.startsWith('pixelpass'), 60_000);
  return { ...p, ticket };
}

/** lib/http-reader.mjs reading `url`. */
export async function reader(url) {
  const p = start(NODE, [`${ROOT}bench/lib/http-reader.mjs`, url]);
  return { ...p, bytes: () => lastOf(p.lines, 'bytes') };
}

export function lastOf(lines, type) {
  for (let i = lines.length - 1; i >= 0; i--) {
    if (lines[i].includes(`"type":"${type}"`)) return json(lines[i]);
  }
  return undefined;
}

/** Waits until a reader has received `minBytes`, or fails naming what is stuck. */
export async function waitBytes(getBytes, minBytes, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if ((getBytes()?.bytes ?? 0) >= minBytes) return;
    await sleep(100);
  }
  throw new Error(`${what}: fewer than ${minBytes} bytes arrived within ${timeoutMs} ms`);
}

/**
 * CPU of `pids` and bytes of `byteSources` over `seconds`: the window starts
 * and ends at fresh byte reports so the rate uses the reporters' own clocks.
 */
export async function measureWindow(pids, byteSources, seconds) {
  const cpu0 = pids.map(cpuSeconds);
  const b0 = byteSources.map((f) => f());
  const t0 = wallMs();
  await sleep(seconds * 1000);
  const cpu1 = pids.map(cpuSeconds);
  const b1 = byteSources.map((f) => f());
  const t1 = wallMs();
  return {
    wallSeconds: (t1 - t0) / 1000,
    cpuSeconds: cpu1.map((c, i) => c - cpu0[i]),
    bytes: b1.map((b, i) => (b?.bytes ?? 0) - (b0[i]?.bytes ?? 0)),
    byteSeconds: b1.map((b, i) => ((b?.t ?? 0) - (b0[i]?.t ?? 0)) / 1000),
  };
}
