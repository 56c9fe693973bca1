import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { firstLine, readTicket, ticketSource } from './ticket-input.js';

describe('ticketSource: one way in, the secret kept out of argv when possible', () => {
  it.each([
    ['an argument', ['pixelpass1abc', undefined, {}], { kind: 'argument', ticket: 'pixelpass1abc' }],
    ['- is stdin', ['-', undefined, {}], { kind: 'stdin' }],
    ['a file', [undefined, '/t', {}], { kind: 'file', path: '/t' }],
    ['the environment', [undefined, undefined, { PIXELPASS_TICKET: ' pixelpass1x ' }], { kind: 'environment', ticket: 'pixelpass1x' }],
    ['an argument wins over the environment', ['pixelpass1a', undefined, { PIXELPASS_TICKET: 'pixelpass1b' }], { kind: 'argument', ticket: 'pixelpass1a' }],
    ['a file wins over the environment', [undefined, '/t', { PIXELPASS_TICKET: 'pixelpass1b' }], { kind: 'file', path: '/t' }],
  ] as const)('%s', (_name, [arg, file, env], expected) => {
    expect(ticketSource(arg, file, env)).toEqual(expected);
  });

  it.each([
    ['nothing at all', [undefined, undefined, {}], /^no ticket given: pass it on stdin \(pixelpass view -\), with --ticket-file <path>, or in \$PIXELPASS_TICKET$/],
    ['an empty environment variable', [undefined, undefined, { PIXELPASS_TICKET: '  ' }], /^no ticket given/],
    ['an argument and a file', ['pixelpass1a', '/t', {}], /^give the ticket one way only/],
  ] as const)('%s is a usage error in one line', (_name, [arg, file, env], message) => {
    expect(() => ticketSource(arg, file, env)).toThrow(message);
  });
});

describe('readTicket', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));
  const file = async (text: string): Promise<string> => {
    const dir = await mkdtemp(join(tmpdir(), 'pp-ticket-'));
    dirs.push(dir);
    const path = join(dir, 't');
    await writeFile(path, text, { mode: 0o600 });
    return path;
  };
  const stdin = (text: string) => Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }) as unknown as NodeJS.ReadStream;

  it.each([
    ['a line', 'pixelpass1abc\n', 'pixelpass1abc'],
    ['blank lines and spaces around it', '\n\n  pixelpass1abc  \r\nmore\n', 'pixelpass1abc'],
    ['no newline at the end', 'pixelpass1abc', 'pixelpass1abc'],
  ])('from stdin and from a file: %s', async (_name, text, ticket) => {
    expect(await readTicket({ kind: 'stdin' }, stdin(text))).toBe(ticket);
    expect(await readTicket({ kind: 'file', path: await file(text) })).toBe(ticket);
  });

  it.each([
    ['an empty stdin', async () => readTicket({ kind: 'stdin' }, stdin('')), /^no ticket on stdin$/],
    ['an empty file', async () => readTicket({ kind: 'file', path: await file('\n \n') }), /is empty$/],
    ['a missing file', async () => readTicket({ kind: 'file', path: '/nonexistent/t' }), /^cannot read the ticket file \/nonexistent\/t: no such file$/],
    ['a directory', async () => readTicket({ kind: 'file', path: tmpdir() }), /it is a directory$/],
  ])('%s is a usage error in one line', async (_name, run, message) => {
    await expect(run()).rejects.toThrow(message);
  });

  it('firstLine', () => expect(firstLine('\n a \nb')).toBe('a'));
});
