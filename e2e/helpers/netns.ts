import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

/**
 * Three network namespaces made by the test (root only), relays off:
 *
 *   host ns  [10.77.0.1] ── veth ── [10.77.0.254]  mid ns  [10.77.1.254] ── veth ── [10.77.1.2]  viewer ns
 *
 * No routes and no forwarding across the middle, so the viewer reaches the host
 * only through what runs in the middle namespace (the impairing UDP forwarder),
 * and iroh cannot find a path around it. A second viewer in the middle namespace
 * reaches the host directly and is unaffected by the viewer namespace's link.
 */
export class NetLab {
  readonly host: string;
  readonly mid: string;
  readonly viewer: string;
  readonly hostIp = '10.77.0.1';
  readonly midHostSideIp = '10.77.0.254';
  readonly midViewerSideIp = '10.77.1.254';
  readonly viewerIp = '10.77.1.2';
  /** The viewer namespace's end of its link (what goes down in the link test). */
  readonly viewerLink: string;
  readonly #procs = new Set<ChildProcess>();

  constructor(tag = String(process.pid % 100_000)) {
    // E2E_NETNS_PREFIX: engineers sharing a machine keep their namespaces apart.
    const pre = process.env.E2E_NETNS_PREFIX ?? 'pp';
    this.host = `${pre}${tag}-host`;
    this.mid = `${pre}${tag}-mid`;
    this.viewer = `${pre}${tag}-view`;
    this.viewerLink = `${pre}${tag}v0`;
  }

  create(): void {
    this.#removeNamespaces();
    const ip = (...args: string[]): void => void execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    for (const ns of [this.host, this.mid, this.viewer]) {
      ip('netns', 'add', ns);
      ip('-n', ns, 'link', 'set', 'lo', 'up');
    }
    const pairs: Array<[string, string, string, string, string, string]> = [
      [this.host, `${this.viewerLink.slice(0, -2)}h0`, this.hostIp, this.mid, `${this.viewerLink.slice(0, -2)}h1`, this.midHostSideIp],
      [this.viewer, this.viewerLink, this.viewerIp, this.mid, `${this.viewerLink.slice(0, -2)}v1`, this.midViewerSideIp],
    ];
    for (const [nsA, devA, ipA, nsB, devB, ipB] of pairs) {
      ip('link', 'add', devA, 'netns', nsA, 'type', 'veth', 'peer', 'name', devB, 'netns', nsB);
      ip('-n', nsA, 'addr', 'add', `${ipA}/24`, 'dev', devA);
      ip('-n', nsB, 'addr', 'add', `${ipB}/24`, 'dev', devB);
      ip('-n', nsA, 'link', 'set', devA, 'up');
      ip('-n', nsB, 'link', 'set', devB, 'up');
    }
  }

  /** `ip netns exec <ns>` prefix: it execs, so the child's pid is the command's. */
  prefix(ns: string): string[] {
    return ['ip', 'netns', 'exec', ns];
  }

  spawn(ns: string, cmd: string, args: string[], stdin: 'ignore' | 'pipe' = 'ignore'): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: [stdin, 'pipe', 'pipe'] });
    this.#procs.add(child);
    child.once('exit', () => this.#procs.delete(child));
    return child;
  }

  setViewerLink(up: boolean): void {
    execFileSync('ip', ['-n', this.viewer, 'link', 'set', this.viewerLink, up ? 'up' : 'down']);
  }

  /** Kills what it spawned and removes the namespaces (their veths go with them). */
  async destroy(): Promise<void> {
    await Promise.all(
      [...this.#procs].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGKILL');
          }),
      ),
    );
    this.#removeNamespaces();
  }

  #removeNamespaces(): void {
    for (const ns of [this.host, this.mid, this.viewer]) {
      try {
        execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      } catch {
        /* not there */
      }
    }
  }
}
