/**
 * `pixelpass help <topic>`: what does not fit in a flag's one line. Plain
 * text, 80 columns; `pixelpass help` lists the topics after the commands.
 */
export const HELP_TOPICS: Readonly<Record<string, { readonly summary: string; readonly text: string }>> = {
  tickets: {
    summary: 'what a ticket is, pasting it, keeping it across runs',
    text: `A ticket is "pixelpass1" + a 160-bit secret + the host's iroh address. Anyone
with it can watch while the host runs; send it privately.

  pixelpass <ticket>             watch (the same as: pixelpass view <ticket>)
  pixelpass view " <ticket> "    spaces, line breaks and zero-width spaces that
                                 chat apps put into long tokens are ignored

Each host run makes a new ticket, unless --keep-ticket: the endpoint's secret
key, the ticket's secret and the UDP port are kept (mode 0600, in a 0700
folder) in $XDG_STATE_HOME/pixelpass/ticket.json (~/.local/state/...), so the
same ticket works tomorrow. --new-ticket forgets it (the old ticket stops
working); --keep-ticket --new-ticket keeps a new one. A kept ticket works
through relays wherever the host is; its direct addresses work while the host
can bind the same port again (pixelpass says when it cannot).`,
  },
  'exit-codes': {
    summary: 'what each exit code means',
    text: `  0  success: stopped on purpose (Ctrl-C, SIGTERM, SIGHUP, also during start-up),
     the player was closed, or the host stopped sharing
  1  a runtime failure: the host refused (wrong ticket, full, declined), nothing
     answered, a dependency is missing (named with its package), doctor found a ✗
  2  bad usage or bad input: an unknown flag or value, a malformed ticket, a
     window or monitor that does not exist, no graphical session for --source

A failure is one line on stderr ("pixelpass: ..."), never a stack trace
(PIXELPASS_DEBUG=1 adds one).`,
  },
  json: {
    summary: '--json: the events scripts read',
    text: `With --json, host and view write one JSON object per line on stderr instead of
messages: {"event": ..., "time": ISO-8601, ...}. The ticket and the local URL
stay on stdout (or the ticket file); events name the ticket by its public tail.

host:  ticket {output, file?, ticket, kept, relay}
       viewer-joined / viewer-left / viewer-dropped {viewer, path, rttMs, watching, maxViewers, reason?}
       viewer-refused {viewer, code, reason}   viewer-skipped {viewer, bytes}
       capture-started, capture-stopped / capture-failed {reason}
       publish-connected {target}   publish-failed / publish-lost {target, reason, retryInMs}
       ended {reason}
view:  no-answer-yet {givingUpInSec}   connected {host, path, rttMs}
       watching {name?, record?}   approval-pending   refused {code, status, message}
       player-started {player}   path {path, rttMs}   connection-lost   reconnected
       players {players}   first-bytes   rendition {rendition, index, renditions}
       ended {reason: stopped|player-closed|host-stopped|refused|unreachable, message?, code?}
both:  log {level, message}   exit {code, message?}   (the last line)

Refusal codes: wrong-ticket, declined, full, capture-failed, bad-request.`,
  },
  relays: {
    summary: 'relays, offline use and self-hosted relays',
    text: `Viewers connect directly when they can (hole punching) and through a relay
otherwise. --relay (or PIXELPASS_RELAY):

  on                       n0's public relays and discovery (the default); the host
                           waits up to 5 s for a relay before printing the ticket
  off                      direct addresses only: offline, on a LAN, in tests
  <url>[,<url>]            your own iroh-relay servers (http or https), without n0's
                           relays or discovery; give viewers the same --relay

pixelpass doctor --relay <url> checks that each relay answers.`,
  },
  record: {
    summary: 'view --record: keep what you watch',
    text: `pixelpass view <ticket> --record talk.ts writes the MPEG-TS stream as it
arrives to talk.ts (mode 0600; an existing file is never overwritten), with
mpv, VLC or --player none. After a reconnect the recording goes on in the same
file; it is closed cleanly on Ctrl-C or when the stream ends. ffmpeg -i talk.ts
-c copy talk.mp4 makes an MP4 of it.`,
  },
  security: {
    summary: 'who can watch, what is kept where',
    text: `Only a viewer presenting the ticket's secret gets the stream (403 otherwise,
compared in constant time). --approve asks on the host's terminal for each new
viewer. --ticket-file writes the ticket 0600 and removes it on exit. The
viewer's local URL listens on 127.0.0.1 on an unguessable path. Secrets are
never logged in full: messages and --json name a ticket by its public tail.`,
  },
  completion: {
    summary: 'shell completion for bash, zsh and fish',
    text: `  bash:  echo 'source <(pixelpass completion bash)' >> ~/.bashrc
  zsh:   pixelpass completion zsh > "\${fpath[1]}/_pixelpass"   (then: compinit)
  fish:  pixelpass completion fish > ~/.config/fish/completions/pixelpass.fish`,
  },
};

export function topicList(): string {
  const width = Math.max(...Object.keys(HELP_TOPICS).map((k) => k.length));
  return Object.entries(HELP_TOPICS)
    .map(([name, t]) => `  ${name.padEnd(width)}  ${t.summary}`)
    .join('\n');
}
