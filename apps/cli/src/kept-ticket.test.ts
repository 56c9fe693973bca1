import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync, chmodSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ipv4Port, keptBindAddress, KeptTicketStore, newKeptTicket, parseKeptTicket, serializeKeptTicket } from './kept-ticket.js';
import { unsafeBecause, UnsafeStateFile } from './state-file.js';

describe('the kept ticket file (pure)', () => {
  it('round-trips', () => {
    const k = { ...newKeptTicket(), port: 41282 };
    expect(parseKeptTicket(serializeKeptTicket(k))).toEqual({ endpointKey: Buffer.from(k.endpointKey), secret: Uint8Array.from(k.secret), port: 41282 });
  });
  it.each([
    ['not JSON', 'nope', /not JSON/],
    ['another version', '{"version":2}', /version 2/],
    ['a short key', '{"version":1,"endpointKey":"ab","secret":"aaaa"}', /64 hex digits/],
    ['a damaged secret', `{"version":1,"endpointKey":"${'a'.repeat(64)}","secret":"!!"}`, /secret is damaged/],
    ['a short secret', `{"version":1,"endpointKey":"${'a'.repeat(64)}","secret":"aaaa"}`, /secret is damaged/],
  ])('refuses %s, saying why', (_w, text, why) => {
    const r = parseKeptTicket(text);
    expect('invalid' in r && r.invalid).toMatch(why);
  });
  it.each([
    [['0.0.0.0:41282', '[::]:5000'], 41282],
    [['[::]:5000', '127.0.0.1:7'], 7],
    [['[::]:5000'], undefined],
    [[], undefined],
  ])('the IPv4 port of %j is %s', (addrs, port) => expect(ipv4Port(addrs)).toBe(port));
  it.each([
    [undefined, undefined, undefined],
    [undefined, 41282, '0.0.0.0:41282'],
    ['127.0.0.1:0', 41282, '127.0.0.1:41282'],
    ['[::1]:0', 41282, '[::1]:41282'],
    ['127.0.0.1:5000', 41282, '127.0.0.1:5000'], // a port the user chose wins
  ])('bind %s with kept port %s → %s', (bind, port, expected) => expect(keptBindAddress(bind, port)).toBe(expected));
  it.each([
    ['folder', { uid: 1000, mode: 0o40700 }, 1000, undefined],
    ['folder', { uid: 1000, mode: 0o40755 }, 1000, undefined],
    ['folder', { uid: 1000, mode: 0o40777 }, 1000, /mode is 0777: others can write to it/],
    ['folder', { uid: 0, mode: 0o40700 }, 1000, /belongs to uid 0, not to you/],
    ['file', { uid: 1000, mode: 0o100600 }, 1000, undefined],
    ['file', { uid: 1000, mode: 0o100644 }, 1000, /mode is 0644: others can read it/],
  ] as const)('a %s %o for uid %i', (kind, st, uid, why) => {
    const r = unsafeBecause(kind, st, uid);
    if (why === undefined) expect(r).toBeUndefined();
    else expect(r).toMatch(why);
  });
});

describe('KeptTicketStore on disk', () => {
  const dirs: string[] = [];
  const fresh = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'pixelpass-kept-'));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('saves 0600 in a 0700 folder it makes, loads the same, leaves no temp file, forgets', async () => {
    const base = fresh();
    const store = new KeptTicketStore({ XDG_STATE_HOME: base });
    expect(await store.load()).toBeUndefined();
    const k = { ...newKeptTicket(), port: 5000 };
    await store.save(k);
    expect(statSync(store.dir).mode & 0o777).toBe(0o700);
    expect(statSync(store.path).mode & 0o777).toBe(0o600);
    expect(readdirSync(store.dir)).toEqual(['ticket.json']);
    expect(await store.load()).toEqual({ endpointKey: Buffer.from(k.endpointKey), secret: Uint8Array.from(k.secret), port: 5000 });
    expect(await store.forget()).toBe(true);
    expect(await store.forget()).toBe(false);
  });

  it('refuses a folder others can write, a file others can read, and a symlink', async () => {
    const base = fresh();
    const store = new KeptTicketStore({ XDG_STATE_HOME: base });
    await store.save(newKeptTicket());
    chmodSync(store.path, 0o644);
    await expect(store.load()).rejects.toThrow(/others can read it; remove it, or run with --new-ticket/);
    chmodSync(store.path, 0o600);
    chmodSync(store.dir, 0o777);
    await expect(store.save(newKeptTicket())).rejects.toThrow(UnsafeStateFile);
    chmodSync(store.dir, 0o700);
    rmSync(store.path);
    const elsewhere = join(base, 'elsewhere.json');
    writeFileSync(elsewhere, serializeKeptTicket(newKeptTicket()), { mode: 0o600 });
    symlinkSync(elsewhere, store.path);
    await expect(store.load()).rejects.toThrow(/symbolic link/);
  });

  it('a damaged file is said, never silently replaced', async () => {
    const base = fresh();
    const store = new KeptTicketStore({ XDG_STATE_HOME: base });
    await store.save(newKeptTicket());
    writeFileSync(store.path, '{"version":1}', { mode: 0o600 });
    await expect(store.load()).rejects.toThrow(/cannot be used: its endpoint key .*; run with --new-ticket/);
  });
});
