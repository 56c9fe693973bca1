import { TICKET_PREFIX } from '@pixelpass/core';

const looksLikeTicket = (word: string): boolean => word.trim().toLowerCase().startsWith(TICKET_PREFIX);
/** A piece of a ticket the shell split off (pasted with a line break, unquoted). */
const ticketPiece = (word: string): boolean => /^[a-z0-9]+$/i.test(word.trim());

/**
 * The command line as typed or pasted, made into the one commander reads:
 * `pixelpass <ticket>` is `pixelpass view <ticket>` (spaces around the ticket
 * too), and a ticket split over several words by a pasted line break is joined.
 */
export function expandShortcuts(args: readonly string[]): string[] {
  const out = [...args];
  if (out[0] !== undefined && looksLikeTicket(out[0])) out.unshift('view');
  const at = out[0] === 'view' ? out.findIndex((w, i) => i > 0 && !w.startsWith('-') && looksLikeTicket(w)) : -1;
  if (at > 0) {
    let end = at + 1;
    while (end < out.length && ticketPiece(out[end]!)) end++;
    out.splice(at, end - at, out.slice(at, end).join(''));
  }
  return out;
}
