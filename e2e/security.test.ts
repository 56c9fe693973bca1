import { randomBytes } from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ffprobeCount } from './helpers/media-probe.js';
import { runCli, startCli, stopAllCli, type RunningCli } from './helpers/pixelpass.js';
import { RawPeer, splitTicket, tsPackets } from './helpers/raw-peer.js';
import { requireTools } from './helpers/require-tools.js';

// Attacks on a running host with a hand-made iroh peer that knows the host's
// endpoint address (which is public) but not, or not only, the ticket secret.

const HOST_ARGS = ['host', '--source', 'test', '--test-size', '320x240', '--no-audio'];
const BASE32 = 'abcdefghijklmnopqrstuvwxyz234567';

function randomSecretText(): string {
  return [...randomBytes(32)].map((b) => BASE32[b & 31]).join('');
}

const until = async (what: string, cond: () => boolean, ms: number): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

/** The first line of an HTTP response, and how many MPEG-TS packets came with it. */
function summarize(bytes: Buffer): { status: string; ts: number } {
  return { status: bytes.toString('latin1').split('\r\n')[0] ?? '', ts: tsPackets(bytes) };
}

async function rssKb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
}

/** ffmpeg decodes the URL for `seconds`; returns decoded video frames and error lines. */
function ffmpegDecode(url: string, seconds: number): Promise<{ frames: number; errors: string[] }> {
  return new Promise((resolve) => {
    execFile(
      'ffmpeg',
      ['-hide_banner', '-nostdin', '-v', 'error', '-stats_period', '1', '-progress', 'pipe:1', '-i', url, '-t', String(seconds), '-f', 'null', '-'],
      { timeout: (seconds + 30) * 1000, maxBuffer: 20 * 1024 * 1024 },
      (_err, stdout, stderr) => {
        const frames = [...stdout.matchAll(/^frame=(\d+)/gm)].map((m) => Number(m[1]));
        resolve({ frames: frames.at(-1) ?? 0, errors: stderr.split('\n').filter((l) => l.trim() !== '') });
      },
    );
  });
}

describe('security: the ticket secret is the only key, and bad peers are refused and closed', () => {
  requireTools('gst-launch-1.0', 'ffprobe', 'ffmpeg', 'setsid');
  const peers: RawPeer[] = [];
  afterEach(async () => {
    await Promise.all(peers.splice(0).map((p) => p.close()));
    await stopAllCli();
  });
  afterAll(stopAllCli);

  async function host(extra: string[] = []): Promise<{ host: RunningCli; ticket: string }> {
    const h = startCli([...HOST_ARGS, ...extra]);
    return { host: h, ticket: await h.firstLine };
  }

  /** A raw peer; `from` picks its source address (127.0.0.x), so penalties for one do not bar the next. */
  async function peer(address: string, from = 1): Promise<RawPeer> {
    const p = await RawPeer.connect(address, { bind: `127.0.0.${from}:0` });
    peers.push(p);
    return p;
  }

  it('knowing the endpoint address without the secret gets a 403 and zero video bytes; capture never starts', async () => {
    const { host: h, ticket } = await host();
    const { address, secretText } = splitTicket(ticket);
    const attempts: Array<[string, string]> = [
      ['no secret', 'GET /stream HTTP/1.1\r\nHost: pixelpass\r\n\r\n'],
      ['wrong secret', `GET /stream HTTP/1.1\r\nAuthorization: Bearer ${randomSecretText()}\r\n\r\n`],
      ['secret one char off', `GET /stream HTTP/1.1\r\nAuthorization: Bearer ${secretText.slice(0, 31)}${secretText[31] === 'a' ? 'b' : 'a'}\r\n\r\n`],
      ['secret prefix', `GET /stream HTTP/1.1\r\nAuthorization: Bearer ${secretText.slice(0, 16)}\r\n\r\n`],
      ['secret with extra', `GET /stream HTTP/1.1\r\nAuthorization: Bearer ${secretText}a\r\n\r\n`],
      ['other scheme', `GET /stream HTTP/1.1\r\nAuthorization: Basic ${secretText}\r\n\r\n`],
      ['secret in the path', `GET /stream?secret=${secretText} HTTP/1.1\r\n\r\n`],
    ];
    // Each from its own peer and address: a refusal closes a connection that never presented the secret.
    for (const [i, [name, request]] of attempts.entries()) {
      const p = await peer(address, 10 + i);
      const s = await p.openStream();
      await s.send(request);
      const r = await s.readAll(10_000);
      expect(r.ended, name).toBe(true);
      expect(summarize(r.bytes), name).toEqual({ status: 'HTTP/1.1 403 Forbidden', ts: 0 });
      expect(await p.isClosed(5000), `${name}: connection closed after the refusal`).toBe(true);
    }
    // A peer speaking another protocol does not even get a connection.
    await expect(RawPeer.connect(address, { alpn: 'h3' })).rejects.toThrow();
    expect(h.stderr()).toMatch(/wrong or missing ticket secret/);
    expect(h.stderr()).not.toMatch(/capture started/);
    // The secret never appears in the host's output.
    expect(h.stderr()).not.toContain(secretText);
  });

  it('malformed, oversized and non-GET requests get a 4xx and are closed', async () => {
    const { ticket } = await host();
    const { address, secretText } = splitTicket(ticket);
    const p = await peer(address);
    const auth = `Authorization: Bearer ${secretText}\r\n`;
    const cases: Array<[string, string | Buffer, RegExp]> = [
      ['POST', `POST /stream HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1\.1 405 /],
      ['other path', `GET /admin HTTP/1.1\r\n${auth}\r\n`, /^HTTP\/1\.1 404 /],
      ['garbage', Buffer.from([0, 1, 2, 3, 13, 10, 13, 10]), /^HTTP\/1\.1 400 /],
      ['HTTP/2 preface', 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', /^HTTP\/1\.1 (400|505) /],
      ['head too large', `GET /stream HTTP/1.1\r\n${auth}X-Pad: ${'a'.repeat(9000)}\r\n\r\n`, /^HTTP\/1\.1 431 /],
      ['endless header', `GET /stream HTTP/1.1\r\nX-Pad: ${'a'.repeat(20_000)}`, /^HTTP\/1\.1 431 /],
    ];
    for (const [name, request, status] of cases) {
      const s = await p.openStream();
      await s.send(request).catch(() => undefined); // the host may stop reading early
      const r = await s.readAll(10_000);
      expect(r.ended, name).toBe(true);
      expect(summarize(r.bytes).status, name).toMatch(status);
      expect(summarize(r.bytes).ts, name).toBe(0);
    }
  });

  it('a peer that never sends a full request is answered 408 and closed after the head timeout (5 s)', async () => {
    const { host: h, ticket } = await host();
    const { address } = splitTicket(ticket);
    const before = await rssKb(h.child.pid!);
    // Many at once (8 per connection, its budget): each is bounded in time and size, so they cost nothing lasting.
    const conns = await Promise.all([peer(address, 20), peer(address, 21), peer(address, 22)]);
    const streams = (await Promise.all(conns.map((p) => Promise.all(Array.from({ length: 8 }, () => p.openStream()))))).flat();
    await Promise.all(streams.map((s, i) => s.send(i % 2 ? 'GET /stream HTTP/1.1\r\nHost: pix' : 'G')));
    const results = await Promise.all(streams.map((s) => s.readAll(15_000)));
    for (const r of results) {
      expect(r.ended).toBe(true);
      expect(summarize(r.bytes)).toEqual({ status: 'HTTP/1.1 408 Request Timeout', ts: 0 });
      expect(r.ms).toBeGreaterThan(4000);
      expect(r.ms).toBeLessThan(9000);
    }
    const after = await rssKb(h.child.pid!);
    expect(after - before, `host RSS grew from ${before} to ${after} kB`).toBeLessThan(30_000);
    // Said once, then counted: not a line per stream.
    expect(h.stderr()).toMatch(/refused a stream from [0-9a-f]+: no complete request within 5 s \(408\)/);
    for (const p of conns) expect(await p.isClosed(5000), 'connection closed after its 408s').toBe(true);
  });

  it('a viewer that never reads is dropped; another viewer decodes throughout', async () => {
    const { host: h, ticket } = await host(['--max-viewers', '4']);
    const viewer = startCli(['view', ticket, '--player', 'none']);
    const url = await viewer.firstLine;
    const watching = ffmpegDecode(url, 30);
    await until('the good viewer to join', () => /joined/.test(h.stderr()), 15_000);
    const rssStart = await rssKb(h.child.pid!);

    const { address, secretText } = splitTicket(ticket);
    const p = await peer(address);
    const s = await p.openStream();
    await s.send(`GET /stream HTTP/1.1\r\nAuthorization: Bearer ${secretText}\r\n\r\n`);
    // ...and never reads: QUIC flow control fills, the host's write stalls.
    const stalledAt = Date.now();
    await until('the stalled viewer to be dropped', () => /disconnected: (not reading|too slow)/.test(h.stderr()), 45_000);
    const droppedAfter = Date.now() - stalledAt;
    const rssEnd = await rssKb(h.child.pid!);

    const good = await watching;
    process.stdout.write(
      `never-reading viewer: ${/.*disconnected: (not reading|too slow).*/.exec(h.stderr())?.[0]} after ${droppedAfter} ms; ` +
        `the other viewer decoded ${good.frames} frames in 30 s with ${good.errors.length} error lines; host RSS ${rssStart} → ${rssEnd} kB\n`,
    );
    // 30 s at 30 fps, decoded while the other viewer stalled and was dropped.
    expect(good.frames, good.errors.join('\n')).toBeGreaterThanOrEqual(800);
    expect(good.errors.length, good.errors.join('\n')).toBeLessThanOrEqual(2);
    expect(rssEnd - rssStart, `host RSS went from ${rssStart} to ${rssEnd} kB`).toBeLessThan(60_000);
    // The stalled stream was ended by the host: reading it now ends at once.
    const rest = await s.readAll(10_000, 64 * 1024 * 1024);
    expect(rest.ended).toBe(true);
  });

  it('--ticket-file is written 0600 (even over an existing 0644 file), not printed, and removed on exit', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pixelpass-sec-'));
    try {
      const file = join(dir, 'ticket');
      await writeFile(file, 'old\n', { mode: 0o644 });
      const h = startCli([...HOST_ARGS, '--ticket-file', file]);
      await until('the ticket file', () => /ticket written to/.test(h.stderr()), 15_000);
      const st = await stat(file);
      expect((st.mode & 0o777).toString(8)).toBe('600');
      const ticket = (await readFile(file, 'utf8')).trim();
      expect(ticket).toMatch(/^pixelpass1[a-z0-9]+$/);
      expect(h.stderr()).not.toContain(ticket.slice(10, 42));
      // The ticket in the file works.
      const v = startCli(['view', ticket, '--player', 'none']);
      const streams = await ffprobeCount(await v.firstLine, 2);
      expect(streams.some((x) => x.codec_type === 'video')).toBe(true);
      await v.stop();
      expect((await h.stop()).code).toBe(0);
      await expect(stat(file)).rejects.toThrow(/ENOENT/);

      const bad = await runCli([...HOST_ARGS, '--ticket-file', join(dir, 'missing-dir', 'ticket')]);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toEqual([`pixelpass: --ticket-file ${join(dir, 'missing-dir', 'ticket')}: its folder ${join(dir, 'missing-dir')} does not exist`]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('--approve: the host is asked per viewer; a declined viewer gets 403 and exits 1, an approved one the stream', async () => {
    const h = startCli([...HOST_ARGS, '--approve'], {}, { stdin: 'pipe' });
    const ticket = await h.firstLine;
    const answer = (line: string): void => void h.child.stdin!.write(`${line}\n`);
    const prompts = (): number => (h.stderr().match(/wants to watch/g) ?? []).length;

    const v1 = startCli(['view', ticket, '--player', 'none']);
    const url1 = await v1.firstLine;
    const declined = fetch(url1).then(async (r) => ({ status: r.status, body: await r.text() }));
    await until('the first prompt', () => prompts() === 1, 15_000);
    expect(h.stderr()).toMatch(/viewer [0-9a-f]+ wants to watch\. Allow\? \[y\/N\]/);
    answer('n');
    expect(await declined).toEqual({ status: 403, body: 'the host declined\n' });
    expect(h.stderr()).not.toMatch(/capture started/);
    // A decline is final: the viewer says so and exits 1, and the host was asked once.
    expect((await v1.exited).code).toBe(1);
    expect(v1.stderr().trim().split('\n').at(-1)).toBe('pixelpass: the host declined');
    expect(prompts()).toBe(1);

    const v2 = startCli(['view', ticket, '--player', 'none']);
    const url2 = await v2.firstLine;
    const probing = ffprobeCount(url2, 2);
    await until('the second prompt', () => prompts() === 2, 15_000);
    answer('y');
    const streams = await probing;
    expect(streams.find((x) => x.codec_type === 'video')).toMatchObject({ codec_name: 'h264', width: 320 });
    // A player restart of an approved viewer is not asked about again.
    const again = await ffprobeCount(url2, 1);
    expect(again.some((x) => x.codec_type === 'video')).toBe(true);
    expect(prompts()).toBe(2);
  });

  it('--approve with no terminal and no answers on stdin refuses to start (exit 2, one line)', async () => {
    const r = await runCli(['host', '--source', 'test', '--no-audio', '--approve']);
    // runCli gives the child /dev/null as stdin; under setsid it has no terminal either.
    const noTty = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const c = startCli(['host', '--source', 'test', '--no-audio', '--approve'], {}, { prefix: ['setsid'] });
      void c.exited.then(({ code }) => resolve({ code, stderr: c.stderr() }));
    });
    for (const x of [noTty, ...(process.stdin.isTTY ? [] : [r])]) {
      expect(x.code).toBe(2);
      expect(x.stderr.trim().split('\n').at(-1)).toMatch(/--approve needs a terminal/);
    }
  });
});
