#!/usr/bin/env node
import 'reflect-metadata';
import { Command, Option } from 'commander';
import { TICKET_PREFIX } from '@pixelpass/core';
import { hostContainer, ENCODER_ADAPTERS, preflightCapture, viewContainer } from './container.js';
import { checkAppPlaying, runAppList, runRepair } from './audio-commands.js';
import { runDemo } from './demo-command.js';
import { runDoctor } from './doctor-command.js';
import { runMenu } from './menu.js';
import { selectEncoder } from './encoder-select.js';
import { describeError, EXIT_OK, exitCodeFor } from './exit-codes.js';
import { HostCommand } from './host-command.js';
import type { AudioChoice, HostOptions, PlayerChoice, SourceChoice, ViewOptions } from './options.js';
import { intIn, numberIn, oneOf, relaySetting } from './parse-options.js';
import { Shutdown } from './shutdown.js';
import { detectSource } from './source-detect.js';
import { StderrLogger } from './stderr-logger.js';
import { ViewCommand } from './view-command.js';

const VERSION = '0.1.0';

// Rust backtraces in iroh's error messages cost CPU and mean nothing to users.
if (!process.env.PIXELPASS_DEBUG) process.env.RUST_BACKTRACE = '0';

function relayOption(): Option {
  return new Option('--relay <on|off>', 'use relays and discovery (off: direct addresses only; env PIXELPASS_RELAY)')
    .default(process.env.PIXELPASS_RELAY ?? 'on');
}

function bindOption(): Option {
  return new Option('--bind <addr>', 'local address for the iroh endpoint, e.g. 127.0.0.1:0 (env PIXELPASS_BIND)').default(
    process.env.PIXELPASS_BIND,
  );
}

interface HostFlags {
  source: SourceChoice;
  encoder: string;
  audio?: AudioChoice;
  app?: string;
  fps: number;
  bitrate: number;
  keyframeInterval: number;
  maxWidth?: number;
  maxHeight?: number;
  maxViewers: number;
  linger: number;
  instantJoin: boolean;
  approve: boolean;
  ticketFile?: string;
  copy: boolean;
  relay: string;
  bind?: string;
  testSize: string;
  testPattern: string;
  display?: string;
  monitor?: string;
  window?: string;
  cursor: 'hidden' | 'shown';
  forget?: boolean;
}

function hostOptions(f: HostFlags): HostOptions {
  const [w, h] = f.testSize.split('x').map((n) => intIn('--test-size', 16, 8192)(n));
  const audio: AudioChoice = f.app ? 'app' : (f.audio ?? (f.source === 'test' ? 'test' : 'system'));
  return {
    source: f.source,
    encoder: f.encoder,
    audio,
    app: f.app,
    fps: f.fps,
    bitrateKbps: f.bitrate,
    keyframeIntervalSec: f.keyframeInterval,
    maxWidth: f.maxWidth,
    maxHeight: f.maxHeight,
    maxViewers: f.maxViewers,
    lingerSec: f.linger,
    instantJoin: f.instantJoin,
    approve: f.approve,
    ticketFile: f.ticketFile,
    copyTicket: f.copy,
    relay: relaySetting(f.relay),
    bindAddr: f.bind,
    testPattern: { width: w!, height: h!, pattern: f.testPattern },
    x11: { display: f.display, monitor: f.monitor, window: f.window, showPointer: f.cursor !== 'hidden' },
    // On Wayland the portal's dialog picks the window; --window only asks it to offer windows.
    wayland: { sourceType: f.window ? 'window' : 'monitor', cursor: f.cursor === 'hidden' ? 'hidden' : 'embedded', forget: f.forget ?? false },
  };
}

async function runHost(f: HostFlags): Promise<void> {
  const o = hostOptions(f);
  if (o.audio === 'app') await checkAppPlaying(o.app ?? '');
  const log = new StderrLogger();
  const source = detectSource(o.source, process.env);
  const encoder = await selectEncoder(o.encoder, ENCODER_ADAPTERS, log);
  const shutdown = new Shutdown();
  try {
    const c = hostContainer({ ...o, source }, encoder, log);
    const sharing = await preflightCapture(c);
    if (sharing) log.info(`sharing ${sharing}`);
    await c.resolve(HostCommand).run(o, shutdown);
  } finally {
    await shutdown.run();
  }
}

async function runView(ticket: string, f: { player: PlayerChoice; relay: string; bind?: string }): Promise<void> {
  const o: ViewOptions = { ticket, player: f.player, relay: relaySetting(f.relay), bindAddr: f.bind, playerArgs: [] };
  const shutdown = new Shutdown();
  try {
    await viewContainer(o).resolve(ViewCommand).run(o, shutdown);
  } finally {
    await shutdown.run();
  }
}

function program(): Command {
  const p = new Command('pixelpass')
    .description('Peer-to-peer screen sharing for Linux: share a screen with a ticket, watch it in mpv or VLC')
    .version(VERSION)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.split('\n')[0]!.replace(/^error: /, 'pixelpass: ') + '\n') });

  p.command('host')
    .description('share this screen; prints a ticket for viewers')
    .addOption(new Option('--source <source>', 'what to share').choices(['auto', 'test', 'x11', 'wayland']).default('auto'))
    .option('--encoder <encoder>', 'H.264 encoder: auto or one of ' + Object.keys(ENCODER_ADAPTERS).join(', '), 'auto')
    .addOption(new Option('--audio <audio>', 'audio: system, test or none (default: test for --source test, else system)').choices(['system', 'test', 'none']))
    .option('--no-audio', 'share video only')
    .option('--app <name>', "share only this application's audio (see app-list)")
    .option('--repair', 'remove audio routing left by a crashed pixelpass, then exit (same as the repair command)')
    .option('--fps <n>', 'frames per second', intIn('--fps', 1, 120), 30)
    .option('--bitrate <kbps>', 'video bitrate in kbit/s', intIn('--bitrate', 100, 100_000), 4000)
    .option('--keyframe-interval <seconds>', 'seconds between keyframes (short = fast joins)', numberIn('--keyframe-interval', 0.1, 30), 2)
    .option('--max-width <px>', 'scale down to at most this width', intIn('--max-width', 16, 8192))
    .option('--max-height <px>', 'scale down to at most this height', intIn('--max-height', 16, 8192))
    .option('--max-viewers <n>', 'viewers at once', intIn('--max-viewers', 1, 64), 2)
    .option('--linger <seconds>', 'keep capturing this long after the last viewer left', numberIn('--linger', 0, 3600), 5)
    .option('--no-instant-join', 'make new viewers wait for the next keyframe instead of the cached one')
    .option('--approve', 'ask before admitting each new viewer', false)
    .option('--copy', 'also copy the ticket to the clipboard (wl-copy, xclip or xsel)', false)
    .option('--ticket-file <path>', 'write the ticket to this file (mode 0600) instead of stdout')
    .option('--test-size <WxH>', 'size of the test source', '1280x720')
    .option('--test-pattern <name>', 'videotestsrc pattern of the test source', 'smpte')
    .option('--display <display>', 'X11: display to share (default $DISPLAY)')
    .option('--monitor <name|index>', 'X11: share one monitor (names from xrandr --listmonitors)')
    .option('--window <id|name>', 'X11: share one window, by id (0x…) or title; Wayland: the share dialog offers windows')
    .addOption(new Option('--cursor <cursor>', 'draw the mouse pointer (Wayland: when the portal offers it)').choices(['shown', 'hidden']).default('shown'))
    .option('--forget', 'Wayland: forget the remembered screen choice, so the share dialog comes back')
    .addOption(relayOption())
    .addOption(bindOption())
    .action(async (flags: Omit<HostFlags, 'audio'> & { audio?: AudioChoice | boolean; repair?: boolean }) => {
      if (flags.repair) return runRepair();
      // commander turns --no-audio into audio=false (and its default into true).
      const audio = flags.audio === false ? 'none' : flags.audio === true ? undefined : flags.audio;
      await runHost({ ...flags, audio });
    });

  p.command('view')
    .description('watch a shared screen; prints the local URL for players')
    .argument('<ticket>', 'the ticket the host printed')
    .addOption(new Option('--player <player>', 'player to launch').choices(['mpv', 'vlc', 'none']).default('mpv'))
    .addOption(relayOption())
    .addOption(bindOption())
    .action(async (ticket: string, flags: { player: PlayerChoice; relay: string; bind?: string }) => {
      await runView(ticket, flags);
    });

  p.command('app-list')
    .description('list the applications playing audio now (names for host --app)')
    .action(runAppList);

  p.command('repair')
    .description('remove audio sinks, loopbacks and routing left behind by a pixelpass that crashed')
    .action(runRepair);

  p.command('doctor')
    .description('check that everything hosting and viewing need is installed; exit 0 when both can work')
    .option('--reprobe', 'probe the encoders again instead of using cached results', false)
    .action(async (flags: { reprobe: boolean }) => {
      await runDoctor({ reprobe: flags.reprobe });
    });

  p.command('demo')
    .description('host the test source and watch it on this machine, decoding headless; prints what arrived')
    .option('--seconds <n>', 'how long to watch', numberIn('--seconds', 1, 600), 5)
    .action(async (flags: { seconds: number }) => {
      await runDemo(flags.seconds);
    });
  return p;
}

async function main(argv: string[]): Promise<number> {
  const args = argv.slice(2);
  // `pixelpass <ticket>` is a shortcut for `pixelpass view <ticket>`.
  if (args[0]?.toLowerCase().startsWith(TICKET_PREFIX)) args.unshift('view');
  if (args.length === 0 && !process.stdin.isTTY) args.push('host');
  // On a terminal, a bare `pixelpass` asks what to do and builds the command line.
  else if (args.length === 0 && process.stdout.isTTY) args.push(...(await runMenu()));
  await program().parseAsync(args, { from: 'user' });
  return EXIT_OK;
}

main(process.argv).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const code = exitCodeFor(err);
    const isCommander = typeof err === 'object' && err !== null && 'code' in err && String((err as { code: unknown }).code).startsWith('commander.');
    if (!isCommander) process.stderr.write(`pixelpass: ${describeError(err)}\n`);
    if (process.env.PIXELPASS_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exit(code);
  },
);
