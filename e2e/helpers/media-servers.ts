import { spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { join } from 'node:path';

/*
 * Media servers for the publish tests, on 127.0.0.1 only: an SRT listener
 * (ffmpeg) recording what it receives, nginx with the RTMP module writing HLS,
 * and servers that take a connection and then do nothing.
 */

const started = new Set<ChildProcess>();

/** A free port on 127.0.0.1 (the kernel's pick, released at once). */
export function freePort(kind: 'tcp' | 'udp'): Promise<number> {
  return new Promise((resolve, reject) => {
    if (kind === 'udp') {
      const s = createSocket('udp4');
      s.once('error', reject);
      s.bind(0, '127.0.0.1', () => {
        const { port } = s.address();
        s.close(() => resolve(port));
      });
      return;
    }
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stderr(): string;
  /** Sends `signal` and waits for the exit (SIGKILL after 5 s). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

function run(cmd: string, args: string[]): ServerProcess {
  const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  started.add(child);
  let err = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    if (err.length < 100_000) err += d;
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      started.delete(child);
      resolve(code);
    }),
  );
  return {
    child,
    exited,
    stderr: () => err,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGCONT');
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * An SRT listener like a media server's ingest: ffmpeg takes one caller's
 * MPEG-TS and records it unchanged (`-c copy`) to `file`.
 */
export function srtReceiver(port: number, file: string): ServerProcess {
  return run('ffmpeg', [
    '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
    '-probesize', '500000', '-analyzeduration', '1000000',
    '-i', `srt://127.0.0.1:${port}?mode=listener`,
    '-map', '0', '-c', 'copy', '-f', 'mpegts', file,
  ]);
}

/** Bytes in a file (0 while it does not exist). */
export function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

/** Where Debian's libnginx-mod-rtmp puts the module. */
export const RTMP_MODULE = ['/usr/lib/nginx/modules/ngx_rtmp_module.so', '/usr/share/nginx/modules/ngx_rtmp_module.so'].find((p) => existsSync(p));

export interface NginxRtmp extends ServerProcess {
  readonly port: number;
  /** Where the HLS playlists and segments go (`<stream key>.m3u8`). */
  readonly hlsDir: string;
}

/**
 * nginx with the RTMP module, configured here: its own prefix, pid and logs
 * under `dir`, one process (no daemon, no workers), RTMP on 127.0.0.1 only,
 * application `live` writing HLS with 1 s fragments.
 */
export async function nginxRtmp(dir: string): Promise<NginxRtmp> {
  if (!RTMP_MODULE) throw new Error('ngx_rtmp_module.so is missing (Debian package libnginx-mod-rtmp) — run scripts/setup.sh');
  const port = await freePort('tcp');
  const hlsDir = join(dir, 'hls');
  mkdirSync(join(dir, 'logs'), { recursive: true });
  mkdirSync(hlsDir, { recursive: true });
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `load_module ${RTMP_MODULE};`,
      'daemon off;',
      'master_process off;',
      'worker_processes 1;',
      `pid ${join(dir, 'nginx.pid')};`,
      `error_log ${join(dir, 'logs', 'error.log')} info;`,
      'events { worker_connections 64; }',
      'rtmp {',
      '  server {',
      `    listen 127.0.0.1:${port};`,
      '    application live {',
      '      live on;',
      '      record off;',
      '      hls on;',
      `      hls_path ${hlsDir};`,
      '      hls_fragment 1s;',
      '      hls_playlist_length 10s;',
      '    }',
      '  }',
      '}',
      '',
    ].join('\n'),
  );
  const p = run('nginx', ['-p', dir, '-c', conf, '-e', join(dir, 'logs', 'error.log')]);
  // Up when the port accepts.
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (p.child.exitCode !== null) throw new Error(`nginx exited (${p.child.exitCode}): ${p.stderr()}`);
    const ok = await new Promise<boolean>((resolve) => {
      const s = new Socket();
      s.once('error', () => resolve(false));
      s.connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
    });
    if (ok) break;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on 127.0.0.1:${port} within 10 s: ${p.stderr()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { ...p, port, hlsDir };
}

/** A TCP server that accepts connections and never reads a byte nor answers (an RTMP server stuck before its handshake). */
export async function silentTcpServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server: Server = createServer((s) => {
    count++;
    s.pause();
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    connections: () => count,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A UDP socket that receives and never answers (an SRT listener that completes no handshake). */
export async function silentUdpSocket(): Promise<{ port: number; datagrams: () => number; close: () => Promise<void> }> {
  const s: UdpSocket = createSocket('udp4');
  let count = 0;
  s.on('message', () => count++);
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return { port: s.address().port, datagrams: () => count, close: () => new Promise<void>((resolve) => s.close(() => resolve())) };
}

/** Stops every server process a test file started. */
export async function stopAllServers(): Promise<void> {
  await Promise.all(
    [...started].map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGCONT');
          c.kill('SIGKILL');
        }),
    ),
  );
}
