import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/*
 * A network lab of slow and changing links (root only): network namespaces
 * joined by veth pairs, each link shaped with a tbf qdisc on both ends (this
 * kernel has tbf and htb, but no netem; delay and loss come from the UDP
 * forwarder, udp-impair.mjs, when asked for).
 *
 * One viewer, no router (topology a):
 *
 *   host ns [10.200.1.1] ─ tbf ═ veth ═ tbf ─ [10.200.1.2] viewer ns
 *
 * Several viewers, or `router: true` (topology b): a router namespace in the
 * middle forwards; each viewer's own link is shaped, the host's uplink is not
 * (unless `uplink` says so), so every viewer has its own bottleneck:
 *
 *   host ns [10.200.0.1] ══ (uplink) ══ [10.200.0.254] router [10.200.i.254] ─ tbf ═ veth ═ tbf ─ [10.200.i.2] viewer i
 *
 * A viewer with `forwarder: true` has no route to the host: it reaches it only
 * through udp-impair.mjs in the router namespace (startForwarder), which adds
 * delay and loss on top of the shaped link.
 *
 * Every veth is created inside a namespace of the lab, so interface names and
 * addresses cannot collide with another lab's; namespace names carry a unique
 * tag. destroy() kills everything the lab started (process groups, then any
 * process still inside a lab namespace) and deletes the namespaces.
 *
 * Plain ESM TypeScript with node: imports only: bench/links.mjs loads this same
 * file (transpiled on the fly with the repo's TypeScript).
 */

export interface LinkShape {
  /** tc rate, e.g. "2mbit", "500kbit"; null: the link is not shaped. */
  readonly rate: string | null;
  /** tbf burst; default "32kbit" (4 kB: a few packets, so the rate holds on short time scales). */
  readonly burst?: string;
  /** tbf latency (the queue bound, as time at the rate); default "300ms". */
  readonly latency?: string;
}

export interface ViewerLinkSpec extends LinkShape {
  /** Reach the host only through the impairing UDP forwarder (router topology). */
  readonly forwarder?: boolean;
}

export interface LinkLabOptions {
  /** Unique per lab; default from the pid and a counter. At most 6 characters. */
  readonly tag?: string;
  readonly viewers: readonly ViewerLinkSpec[];
  /** Host ↔ router link; default unshaped (the viewers' own links are the bottlenecks). */
  readonly uplink?: LinkShape;
  /** A router namespace even for one viewer (default: only for two or more). */
  readonly router?: boolean;
}

/** One end of a shaped link: the device in its namespace whose egress the tbf shapes. */
export interface LinkEnd {
  readonly ns: string;
  readonly dev: string;
}

export interface ShapedLink {
  /** host → viewer direction (the stream). */
  readonly down: LinkEnd;
  /** viewer → host direction (ACKs). */
  readonly up: LinkEnd;
  shape: LinkShape;
}

export interface LabViewer {
  readonly index: number;
  readonly ns: string;
  readonly ip: string;
  /** The router's (or, without a router, the host's) address on this viewer's link. */
  readonly gatewayIp: string;
  readonly link: ShapedLink;
  readonly spec: ViewerLinkSpec;
}

/** `tc -s -j qdisc show` of one tbf: bytes/packets sent, drops, current backlog. */
export interface QdiscStats {
  readonly at: number;
  readonly kind: string;
  readonly rateBytesPerSec: number | null;
  readonly bytes: number;
  readonly packets: number;
  readonly drops: number;
  readonly overlimits: number;
  readonly backlogBytes: number;
  readonly backlogPackets: number;
}

export interface RateStep {
  /** ms after the schedule starts. */
  readonly atMs: number;
  readonly rate: string | null;
}

export interface RunningSchedule {
  /** When each step was applied (wall clock ms), in order. */
  readonly applied: Array<{ at: number; rate: string | null }>;
  readonly done: Promise<void>;
  stop(): void;
}

export interface Forwarder {
  /** ip:port viewers dial instead of the host (see ticketVia in raw-peer.ts). */
  readonly via: string;
  readonly child: ChildProcess;
  /** `impair <down|up|both> <delay ms> <loss 0..1>`; resolves on the forwarder's answer. */
  command(line: string): Promise<string>;
}

const IMPAIR = fileURLToPath(new URL('./udp-impair.mjs', import.meta.url));
const DEFAULT_BURST = '32kbit';
const DEFAULT_LATENCY = '300ms';
let labCounter = 0;

function run(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(`link-lab: \`${cmd}\` is not installed (Debian package iproute2)`);
    }
    throw new Error(`link-lab: \`${cmd} ${args.join(' ')}\` failed: ${(e.stderr ?? e.message).trim()}`);
  }
}

/** Fails loudly, naming what is missing, unless this process can build the lab. */
export function requireLabTools(): void {
  if (process.getuid?.() !== 0) throw new Error('link-lab creates network namespaces and qdiscs: run as root');
  for (const tool of ['ip', 'tc']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`link-lab: \`${tool}\` not found (Debian package iproute2)`);
    }
  }
}

export class LinkLab {
  readonly tag: string;
  readonly hostNs: string;
  readonly routerNs: string | undefined;
  readonly hostIp: string;
  readonly viewers: LabViewer[] = [];
  readonly uplink: ShapedLink | undefined;
  readonly #procs = new Set<ChildProcess>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #created = false;

  constructor(readonly options: LinkLabOptions) {
    if (options.viewers.length < 1) throw new Error('link-lab: at least one viewer');
    this.tag = options.tag ?? `${(process.pid % 46_656).toString(36)}${(labCounter++ % 36).toString(36)}`;
    if (!/^[a-z0-9]{1,6}$/.test(this.tag)) throw new Error(`link-lab: tag must be 1-6 of [a-z0-9], not "${this.tag}"`);
    const routed = options.router === true || options.viewers.length > 1 || options.viewers.some((v) => v.forwarder);
    // E2E_NETNS_PREFIX: engineers sharing a machine keep their namespaces apart.
    const pre = process.env.E2E_NETNS_PREFIX ?? 'll';
    this.hostNs = `${pre}${this.tag}-host`;
    this.routerNs = routed ? `${pre}${this.tag}-rtr` : undefined;
    this.hostIp = routed ? '10.200.0.1' : '10.200.1.1';
    options.viewers.forEach((spec, i) => {
      const n = i + 1;
      const ns = `${pre}${this.tag}-v${n}`;
      const link: ShapedLink = routed
        ? { down: { ns: this.routerNs!, dev: `v${n}` }, up: { ns, dev: 'up0' }, shape: spec }
        : { down: { ns: this.hostNs, dev: 'v1' }, up: { ns, dev: 'up0' }, shape: spec };
      this.viewers.push({ index: i, ns, ip: `10.200.${n}.2`, gatewayIp: routed ? `10.200.${n}.254` : this.hostIp, link, spec });
    });
    if (routed) {
      this.uplink = { down: { ns: this.hostNs, dev: 'up0' }, up: { ns: this.routerNs!, dev: 'host' }, shape: options.uplink ?? { rate: null } };
    }
  }

  get namespaces(): string[] {
    return [this.hostNs, ...(this.routerNs ? [this.routerNs] : []), ...this.viewers.map((v) => v.ns)];
  }

  /** Builds namespaces, links, addresses, routes and qdiscs. Throws (after cleaning up) if any step fails. */
  create(): this {
    requireLabTools();
    this.#deleteNamespaces();
    try {
      for (const ns of this.namespaces) {
        run('ip', ['netns', 'add', ns]);
        run('ip', ['-n', ns, 'link', 'set', 'dev', 'lo', 'up']);
      }
      this.#created = true;
      const pair = (a: LinkEnd, ipA: string, b: LinkEnd, ipB: string): void => {
        run('ip', ['-n', a.ns, 'link', 'add', 'name', a.dev, 'type', 'veth', 'peer', 'name', b.dev, 'netns', b.ns]);
        run('ip', ['-n', a.ns, 'addr', 'add', `${ipA}/24`, 'dev', a.dev]);
        run('ip', ['-n', b.ns, 'addr', 'add', `${ipB}/24`, 'dev', b.dev]);
        run('ip', ['-n', a.ns, 'link', 'set', 'dev', a.dev, 'up']);
        run('ip', ['-n', b.ns, 'link', 'set', 'dev', b.dev, 'up']);
      };
      if (this.routerNs) {
        pair(this.uplink!.down, this.hostIp, this.uplink!.up, '10.200.0.254');
        run('ip', ['netns', 'exec', this.routerNs, 'sysctl', '-q', '-w', 'net.ipv4.ip_forward=1']);
        run('ip', ['-n', this.hostNs, 'route', 'add', 'default', 'via', '10.200.0.254']);
        for (const v of this.viewers) {
          pair(v.link.down, v.gatewayIp, v.link.up, v.ip);
          // A forwarder viewer has no route to the host: the forwarder is its only way there.
          if (!v.spec.forwarder) run('ip', ['-n', v.ns, 'route', 'add', 'default', 'via', v.gatewayIp]);
        }
        this.#applyShape(this.uplink!, this.uplink!.shape, 'add');
      } else {
        const v = this.viewers[0]!;
        pair(v.link.down, this.hostIp, v.link.up, v.ip);
      }
      for (const v of this.viewers) this.#applyShape(v.link, v.spec, 'add');
    } catch (err) {
      this.#deleteNamespaces();
      this.#created = false;
      throw err;
    }
    return this;
  }

  /** `ip netns exec <ns>` (it execs: the child's pid is the command's). */
  prefix(ns: string): string[] {
    return ['ip', 'netns', 'exec', ns];
  }

  /**
   * Starts `cmd` in `ns`, in its own process group (so its children, e.g. the
   * host's gst-launch, are killed with it); destroy() kills what is still running.
   */
  spawn(ns: string, cmd: string, args: string[], opts: { env?: Record<string, string>; stdin?: 'ignore' | 'pipe' } = {}): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], {
      stdio: [opts.stdin ?? 'ignore', 'pipe', 'pipe'],
      env: { ...process.env, ...opts.env },
      detached: true,
    });
    this.#procs.add(child);
    child.once('exit', () => this.#procs.delete(child));
    return child;
  }

  /** Changes a viewer's link rate (both ends) while traffic flows: `tc qdisc change`. */
  setRate(viewer: number, rate: string | null, extra: Omit<LinkShape, 'rate'> = {}): void {
    const link = this.#viewer(viewer).link;
    this.#applyShape(link, { ...link.shape, ...extra, rate }, 'change');
  }

  /** Changes the uplink (host ↔ router) shape; router topology only. */
  setUplinkRate(rate: string | null, extra: Omit<LinkShape, 'rate'> = {}): void {
    if (!this.uplink) throw new Error('link-lab: no router, no uplink (use router: true)');
    this.#applyShape(this.uplink, { ...this.uplink.shape, ...extra, rate }, 'change');
  }

  /** Applies `steps` to a viewer's link on a timer, e.g. 20 → 1.5 → 20 Mbit/s. */
  schedule(viewer: number, steps: readonly RateStep[]): RunningSchedule {
    const applied: Array<{ at: number; rate: string | null }> = [];
    const timers: NodeJS.Timeout[] = [];
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    let left = steps.length;
    if (left === 0) finish();
    for (const step of steps) {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        try {
          this.setRate(viewer, step.rate);
          applied.push({ at: Date.now(), rate: step.rate });
        } catch (err) {
          applied.push({ at: Date.now(), rate: `failed: ${(err as Error).message}` });
        }
        if (--left === 0) finish();
      }, step.atMs);
      timers.push(t);
      this.#timers.add(t);
    }
    return {
      applied,
      done,
      stop: () => {
        for (const t of timers) {
          clearTimeout(t);
          this.#timers.delete(t);
        }
        finish();
      },
    };
  }

  /** The tbf on each end of a viewer's link: what it sent, dropped, and holds right now. */
  linkStats(viewer: number): { down: QdiscStats | null; up: QdiscStats | null } {
    const link = this.#viewer(viewer).link;
    return { down: qdiscStats(link.down), up: qdiscStats(link.up) };
  }

  /**
   * Starts udp-impair.mjs in the router namespace for a `forwarder: true`
   * viewer: it listens on the viewer's gateway address and forwards to
   * `hostAddr` (the host's ip:port from its ticket).
   */
  async startForwarder(viewer: number, hostAddr: string): Promise<Forwarder> {
    const v = this.#viewer(viewer);
    if (!this.routerNs || !v.spec.forwarder) throw new Error(`link-lab: viewer ${viewer} was not created with forwarder: true`);
    const child = this.spawn(this.routerNs, process.execPath, [IMPAIR, v.gatewayIp, '10.200.0.254', hostAddr], { stdin: 'pipe' });
    const lines: string[] = [];
    const waiters: Array<() => void> = [];
    createInterface({ input: child.stdout! }).on('line', (l) => {
      lines.push(l);
      for (const w of waiters.splice(0)) w();
    });
    const nextLine = (after: number, ms: number): Promise<string> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`link-lab: the forwarder did not answer within ${ms} ms`)), ms);
        const check = (): void => {
          if (lines.length > after) {
            clearTimeout(timer);
            resolve(lines[after]!);
          } else waiters.push(check);
        };
        check();
      });
    const first = await nextLine(0, 10_000);
    if (!first.startsWith('listening ')) throw new Error(`link-lab: forwarder said "${first}"`);
    return {
      via: first.slice('listening '.length),
      child,
      command: (line) => {
        const n = lines.length;
        child.stdin!.write(`${line}\n`);
        return nextLine(n, 5000);
      },
    };
  }

  /** Kills everything the lab started and deletes its namespaces (their veths and qdiscs go with them). */
  async destroy(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    const alive = (c: ChildProcess): boolean => c.exitCode === null && c.signalCode === null;
    const group = (c: ChildProcess, sig: NodeJS.Signals): void => {
      try {
        process.kill(-c.pid!, sig);
      } catch {
        /* gone */
      }
    };
    const procs = [...this.#procs];
    for (const c of procs) if (alive(c)) group(c, 'SIGTERM');
    await Promise.all(
      procs.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (!alive(c)) return resolve();
            const timer = setTimeout(() => (group(c, 'SIGKILL'), resolve()), 5000);
            c.once('exit', () => (clearTimeout(timer), resolve()));
          }),
      ),
    );
    // Grandchildren that outlived their group leader (a host's gst-launch).
    for (const c of procs) group(c, 'SIGKILL');
    // Anything else still inside a lab namespace was started there by this lab's processes.
    if (this.#created) {
      for (const ns of this.namespaces) {
        let pids: string[] = [];
        try {
          pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).split(/\s+/).filter(Boolean);
        } catch {
          /* no such namespace */
        }
        for (const pid of pids) {
          try {
            process.kill(Number(pid), 'SIGKILL');
          } catch {
            /* gone */
          }
        }
      }
    }
    this.#deleteNamespaces();
    this.#created = false;
  }

  #viewer(i: number): LabViewer {
    const v = this.viewers[i];
    if (!v) throw new Error(`link-lab: no viewer ${i} (viewers 0..${this.viewers.length - 1})`);
    return v;
  }

  #applyShape(link: ShapedLink, shape: LinkShape, how: 'add' | 'change'): void {
    const prev = link.shape.rate;
    for (const end of [link.down, link.up]) {
      if (shape.rate === null) {
        if (how === 'change' && prev !== null) run('tc', ['-n', end.ns, 'qdisc', 'del', 'dev', end.dev, 'root']);
        continue;
      }
      // From unshaped to shaped there is no tbf to change yet.
      const verb = how === 'change' && prev !== null ? 'change' : 'add';
      const args = ['-n', end.ns, 'qdisc', verb, 'dev', end.dev, 'root', 'tbf', 'rate', shape.rate, 'burst', shape.burst ?? DEFAULT_BURST, 'latency', shape.latency ?? DEFAULT_LATENCY];
      try {
        run('tc', args);
      } catch (err) {
        throw new Error(`${(err as Error).message} (is sch_tbf available in this kernel? \`tc qdisc add ... tbf\` must work)`);
      }
    }
    link.shape = shape;
  }

  #deleteNamespaces(): void {
    for (const ns of this.namespaces) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  }
}

/** `tc -s -j qdisc show dev <dev>` in its namespace: the root qdisc's counters (null when unshaped). */
export function qdiscStats(end: LinkEnd): QdiscStats | null {
  let out: string;
  try {
    out = execFileSync('tc', ['-n', end.ns, '-s', '-j', 'qdisc', 'show', 'dev', end.dev], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return null;
  }
  const list = JSON.parse(out) as Array<Record<string, unknown>>;
  const q = list.find((e) => e.root === true) ?? list[0];
  if (!q || q.kind === 'noqueue') return null;
  const opts = (q.options ?? {}) as { rate?: number };
  return {
    at: Date.now(),
    kind: String(q.kind),
    rateBytesPerSec: typeof opts.rate === 'number' ? opts.rate : null,
    bytes: Number(q.bytes ?? 0),
    packets: Number(q.packets ?? 0),
    drops: Number(q.drops ?? 0),
    overlimits: Number(q.overlimits ?? 0),
    backlogBytes: Number(q.backlog ?? 0),
    backlogPackets: Number(q.qlen ?? 0),
  };
}
