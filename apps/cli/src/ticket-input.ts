import { open } from 'node:fs/promises';
import { UsageError } from '@pixelpass/core';

/** The environment variable `view` takes a ticket from when none is given otherwise. */
export const TICKET_ENV = 'PIXELPASS_TICKET';

/**
 * Where `pixelpass view` gets its ticket. On the command line it is in the
 * process's argv, which every user of the machine can read (/proc/PID/cmdline),
 * so stdin (`-`), a file and the environment (readable by this user only) are
 * offered; the argument still works, and is scrubbed from argv at once.
 */
export type TicketSource =
  | { readonly kind: 'argument'; readonly ticket: string }
  | { readonly kind: 'stdin' }
  | { readonly kind: 'file'; readonly path: string }
  | { readonly kind: 'environment'; readonly ticket: string };

const HOW = `pass it on stdin (pixelpass view -), with --ticket-file <path>, or in $${TICKET_ENV}`;

export function ticketSource(argument: string | undefined, file: string | undefined, env: NodeJS.ProcessEnv): TicketSource {
  if (argument !== undefined && file !== undefined) throw new UsageError(`give the ticket one way only: as an argument or with --ticket-file`);
  if (argument === '-') return { kind: 'stdin' };
  if (argument !== undefined && argument.trim() !== '') return { kind: 'argument', ticket: argument };
  if (file !== undefined) return { kind: 'file', path: file };
  const fromEnv = env[TICKET_ENV]?.trim();
  if (fromEnv) return { kind: 'environment', ticket: fromEnv };
  throw new UsageError(`no ticket given: ${HOW}`);
}

/** The first non-empty line of `text`, trimmed. */
export function firstLine(text: string): string {
  return text.split(/\r?\n/).map((l) => l.trim()).find((l) => l !== '') ?? '';
}

/** A ticket is ~200 characters; anything much longer is not one (and is not read whole). */
const MAX_TICKET_TEXT = 16 * 1024;

async function readBounded(read: (buf: Buffer, offset: number) => Promise<number>): Promise<string> {
  const buf = Buffer.alloc(MAX_TICKET_TEXT);
  let len = 0;
  while (len < buf.length) {
    const n = await read(buf, len);
    if (n === 0) break;
    len += n;
    // One line is all a ticket is: no need to wait for the end of the input.
    if (buf.subarray(0, len).toString('utf8').trim().includes('\n')) break;
  }
  return buf.subarray(0, len).toString('utf8');
}

async function fromStdin(stdin: NodeJS.ReadStream, prompt: (text: string) => void): Promise<string> {
  if (stdin.isTTY) prompt('pixelpass: paste the ticket, then press Enter: ');
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stdin as AsyncIterable<Buffer>) {
    chunks.push(chunk);
    total += chunk.length;
    if (total >= MAX_TICKET_TEXT || Buffer.concat(chunks).toString('utf8').trim().includes('\n')) break;
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Reads the ticket from where `source` says; a missing or empty one is a usage error naming where it looked. */
export async function readTicket(source: TicketSource, stdin: NodeJS.ReadStream = process.stdin, prompt: (text: string) => void = (t) => process.stderr.write(t)): Promise<string> {
  let text: string;
  switch (source.kind) {
    case 'argument':
    case 'environment':
      return source.ticket.trim();
    case 'stdin':
      text = await fromStdin(stdin, prompt);
      break;
    case 'file': {
      const handle = await open(source.path, 'r').catch((err: NodeJS.ErrnoException) => {
        throw new UsageError(`cannot read the ticket file ${source.path}: ${err.code === 'ENOENT' ? 'no such file' : err.code === 'EACCES' ? 'permission denied' : err.message}`);
      });
      try {
        text = await readBounded(async (buf, offset) => (await handle.read(buf, offset, buf.length - offset, null)).bytesRead);
      } catch (err) {
        throw new UsageError(`cannot read the ticket file ${source.path}: ${(err as NodeJS.ErrnoException).code === 'EISDIR' ? 'it is a directory' : (err as Error).message}`);
      } finally {
        await handle.close();
      }
      break;
    }
  }
  const ticket = firstLine(text);
  if (!ticket) throw new UsageError(source.kind === 'stdin' ? 'no ticket on stdin' : `the ticket file ${source.path} is empty`);
  return ticket;
}
