/**
 * Pure side of the PulseAudio adapters: parsing `pactl --format=json` output,
 * matching applications, naming what pixelpass loads, planning a repair.
 * Nothing here runs a process.
 */

/** Everything pixelpass loads into the sound server is named `pixelpass_<owner pid>_<role>`. */
export const OWNED_PREFIX = 'pixelpass';

/** Stream property carrying the owner pid, for module streams whose names we cannot choose. */
export const OWNER_PROPERTY = 'pixelpass.owner';

export type Properties = Readonly<Record<string, string>>;

export interface ServerInfo {
  readonly serverName: string;
  readonly defaultSink: string | undefined;
}

export interface Sink {
  readonly index: number;
  readonly name: string;
  readonly ownerModule: number | undefined;
  readonly monitorSource: string | undefined;
  readonly properties: Properties;
}

export interface SinkInput {
  readonly index: number;
  readonly sink: number;
  readonly ownerModule: number | undefined;
  readonly corked: boolean;
  readonly properties: Properties;
}

export interface SourceOutput {
  readonly index: number;
  readonly source: number;
  readonly ownerModule: number | undefined;
  readonly properties: Properties;
}

export interface Client {
  readonly index: number;
  readonly properties: Properties;
}

/** What the server holds right now, as far as the adapters care. */
export interface ServerState {
  readonly info: ServerInfo;
  readonly sinks: readonly Sink[];
  readonly sinkInputs: readonly SinkInput[];
  readonly sourceOutputs: readonly SourceOutput[];
  readonly clients: readonly Client[];
}

export class PactlOutputError extends Error {}

type Json = unknown;

function asRecord(value: Json, what: string): Record<string, Json> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new PactlOutputError(`unexpected pactl output for ${what}: not an object`);
  }
  return value as Record<string, Json>;
}

function asArray(value: Json, what: string): Json[] {
  if (!Array.isArray(value)) throw new PactlOutputError(`unexpected pactl output for ${what}: not a list`);
  return value;
}

/** pactl prints some indices as numbers and some as strings ("client": "52"), null when unset. */
function optionalIndex(value: Json): number | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value);
  return undefined;
}

function requiredIndex(value: Json, what: string): number {
  const index = optionalIndex(value);
  if (index === undefined) throw new PactlOutputError(`unexpected pactl output for ${what}: bad index ${JSON.stringify(value)}`);
  return index;
}

function properties(value: Json): Properties {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return {};
  const out: Record<string, string> = {};
  for (const [key, v] of Object.entries(value)) {
    if (typeof v === 'string') out[key] = v;
    else if (typeof v === 'number' || typeof v === 'boolean') out[key] = String(v);
  }
  return out;
}

function parse(text: string, what: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new PactlOutputError(`pactl printed no JSON for ${what}; it needs --format=json (pulseaudio-utils 16 or later)`);
  }
}

export function parseServerInfo(text: string): ServerInfo {
  const o = asRecord(parse(text, 'info'), 'info');
  const sink = o['default_sink_name'];
  return {
    serverName: typeof o['server_name'] === 'string' ? o['server_name'] : 'unknown sound server',
    // "@DEFAULT_SINK@"-style placeholders or an empty name mean there is no default sink.
    defaultSink: typeof sink === 'string' && sink !== '' && !sink.startsWith('@') ? sink : undefined,
  };
}

export function parseSinks(text: string): Sink[] {
  return asArray(parse(text, 'sinks'), 'sinks').map((item) => {
    const o = asRecord(item, 'sink');
    return {
      index: requiredIndex(o['index'], 'sink'),
      name: typeof o['name'] === 'string' ? o['name'] : '',
      ownerModule: optionalIndex(o['owner_module']),
      monitorSource: typeof o['monitor_source'] === 'string' ? o['monitor_source'] : undefined,
      properties: properties(o['properties']),
    };
  });
}

export function parseSinkInputs(text: string): SinkInput[] {
  return asArray(parse(text, 'sink-inputs'), 'sink-inputs').map((item) => {
    const o = asRecord(item, 'sink-input');
    return {
      index: requiredIndex(o['index'], 'sink-input'),
      sink: requiredIndex(o['sink'], 'sink-input sink'),
      ownerModule: optionalIndex(o['owner_module']),
      corked: o['corked'] === true,
      properties: properties(o['properties']),
    };
  });
}

export function parseSourceOutputs(text: string): SourceOutput[] {
  return asArray(parse(text, 'source-outputs'), 'source-outputs').map((item) => {
    const o = asRecord(item, 'source-output');
    return {
      index: requiredIndex(o['index'], 'source-output'),
      source: requiredIndex(o['source'], 'source-output source'),
      ownerModule: optionalIndex(o['owner_module']),
      properties: properties(o['properties']),
    };
  });
}

export function parseClients(text: string): Client[] {
  return asArray(parse(text, 'clients'), 'clients').map((item) => {
    const o = asRecord(item, 'client');
    return { index: requiredIndex(o['index'], 'client'), properties: properties(o['properties']) };
  });
}

/** `pactl load-module` prints the new module's index. */
export function parseModuleIndex(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed)) throw new PactlOutputError(`pactl load-module printed no module index: ${JSON.stringify(trimmed)}`);
  return Number(trimmed);
}

export interface SubscriptionEvent {
  readonly index: number;
  readonly event: 'new' | 'change' | 'remove';
  readonly on: string;
}

/**
 * `pactl --format=json subscribe` writes one JSON object per event with no
 * separator between them, and a pipe may cut an object anywhere: this splits
 * the byte stream back into events.
 */
export class SubscriptionParser {
  #buffer = '';

  push(text: string): SubscriptionEvent[] {
    this.#buffer += text;
    const events: SubscriptionEvent[] = [];
    let depth = 0;
    let start = -1;
    let inString = false;
    let consumed = 0;
    for (let i = 0; i < this.#buffer.length; i++) {
      const c = this.#buffer[i];
      if (inString) {
        if (c === '\\') i++;
        else if (c === '"') inString = false;
        continue;
      }
      if (c === '"') inString = true;
      else if (c === '{') {
        if (depth === 0) start = i;
        depth++;
      } else if (c === '}' && depth > 0) {
        depth--;
        if (depth === 0) {
          const event = toEvent(this.#buffer.slice(start, i + 1));
          if (event) events.push(event);
          consumed = i + 1;
        }
      } else if (depth === 0) {
        // Text between objects ("Got SIGINT, exiting.") is not an event.
        consumed = i + 1;
      }
    }
    this.#buffer = this.#buffer.slice(consumed);
    return events;
  }
}

function toEvent(text: string): SubscriptionEvent | undefined {
  try {
    const o = JSON.parse(text) as Record<string, Json>;
    const index = optionalIndex(o['index']);
    const event = o['event'];
    if (index === undefined || (event !== 'new' && event !== 'change' && event !== 'remove')) return undefined;
    return { index, event, on: typeof o['on'] === 'string' ? o['on'] : '' };
  } catch {
    return undefined;
  }
}

// ---- naming -----------------------------------------------------------------

export function ownedName(ownerPid: number, role: string): string {
  return `${OWNED_PREFIX}_${ownerPid}_${role}`;
}

/** The owner pid in a name pixelpass gave, or undefined for anybody else's name. */
export function ownerOfName(name: string | undefined): number | undefined {
  const m = name?.match(/^pixelpass_(\d+)_[A-Za-z0-9_.-]*$/);
  return m ? Number(m[1]) : undefined;
}

/** Owner pid of a stream or client pixelpass created, from its property or its names. */
export function ownerOfProperties(p: Properties): number | undefined {
  const tagged = p[OWNER_PROPERTY];
  if (tagged && /^\d+$/.test(tagged)) return Number(tagged);
  return ownerOfName(p['media.name']) ?? ownerOfName(p['node.name']) ?? ownerOfName(p['application.name']);
}

/**
 * A module argument value: pulse module arguments are space-separated
 * key=value pairs, so values with spaces or quotes are double-quoted.
 */
export function moduleArgValue(value: string): string {
  if (/^[A-Za-z0-9_.:@/+-]*$/.test(value) && value !== '') return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** A property list for `sink_properties=`/`sink_input_properties=`, as one module argument value. */
export function propList(props: Properties): string {
  // The whole list is one argument value, so the inner values use single quotes.
  const inner = Object.entries(props)
    .map(([k, v]) => (/^[A-Za-z0-9_.:@/+-]+$/.test(v) ? `${k}=${v}` : `${k}='${v.replace(/'/g, '')}'`))
    .join(' ');
  return `"${inner}"`;
}

/** A gst-launch property value: quoted, since device names may hold anything. */
export function gstString(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

// ---- applications -----------------------------------------------------------

/** One application with at least one stream playing (or paused) on a sink. */
export interface PlayingApp {
  readonly name: string;
  readonly binary: string | undefined;
  readonly pids: readonly number[];
  readonly streams: readonly number[];
  /** Names of the sinks its streams play on. */
  readonly sinks: readonly string[];
  readonly corked: boolean;
}

/** Streams of real applications: not module streams (loopbacks) and not pixelpass's own. */
export function isApplicationStream(input: SinkInput): boolean {
  return input.ownerModule === undefined && ownerOfProperties(input.properties) === undefined;
}

function appName(p: Properties): string {
  return p['application.name'] ?? p['application.process.binary'] ?? p['node.name'] ?? 'unnamed';
}

/** `--app` matches application.name, application.process.binary or application.process.id, ignoring case. */
export function matchesApp(input: SinkInput, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '' || !isApplicationStream(input)) return false;
  const p = input.properties;
  return [p['application.name'], p['application.process.binary'], p['application.process.id']].some(
    (v) => v !== undefined && v.toLowerCase() === q,
  );
}

export function playingApps(inputs: readonly SinkInput[], sinks: readonly Sink[]): PlayingApp[] {
  const sinkName = new Map(sinks.map((s) => [s.index, s.name]));
  const byName = new Map<string, { name: string; binary?: string; pids: Set<number>; streams: number[]; sinks: Set<string>; corked: boolean }>();
  for (const input of inputs) {
    if (!isApplicationStream(input)) continue;
    const p = input.properties;
    const name = appName(p);
    const key = name.toLowerCase();
    const app = byName.get(key) ?? { name, pids: new Set<number>(), streams: [], sinks: new Set<string>(), corked: true };
    const binary = p['application.process.binary'];
    if (binary && !app.binary) app.binary = binary;
    const pid = p['application.process.id'];
    if (pid && /^\d+$/.test(pid)) app.pids.add(Number(pid));
    app.streams.push(input.index);
    app.sinks.add(sinkName.get(input.sink) ?? `#${input.sink}`);
    app.corked &&= input.corked;
    byName.set(key, app);
  }
  return [...byName.values()]
    .map((a) => ({
      name: a.name,
      binary: a.binary,
      pids: [...a.pids].sort((x, y) => x - y),
      streams: a.streams,
      sinks: [...a.sinks],
      corked: a.corked,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One line per app, for `pixelpass app-list` and for the "nothing matches" message. */
export function describeApp(app: PlayingApp): string {
  const details = [
    app.binary && app.binary.toLowerCase() !== app.name.toLowerCase() ? app.binary : undefined,
    app.pids.length ? `pid ${app.pids.join(',')}` : undefined,
    app.corked ? 'paused' : undefined,
  ].filter((d): d is string => d !== undefined);
  return details.length ? `${app.name} (${details.join(', ')})` : app.name;
}

export function noMatchMessage(query: string, apps: readonly PlayingApp[]): string {
  if (apps.length === 0) return `no application matches --app "${query}": nothing is playing audio right now`;
  return `no application matches --app "${query}"; playing now: ${apps.map(describeApp).join('; ')}`;
}

// ---- repair -----------------------------------------------------------------

export type RepairStep =
  | { readonly kind: 'move'; readonly sinkInput: number; readonly to: string; readonly label: string }
  | { readonly kind: 'unload'; readonly module: number; readonly label: string }
  | { readonly kind: 'stop-process'; readonly pid: number; readonly label: string };

/** Programs pixelpass runs as sound-server clients; only these are stopped by a repair. */
const OWNED_CLIENT_BINARIES = new Set(['pactl', 'gst-launch-1.0']);

/**
 * What to undo for pixelpass instances that are gone: their application streams
 * go back to the sink their loopback played to (the user's sink) or else the
 * default sink; their loopbacks and null sinks are unloaded (loopbacks first, so
 * nothing captures a vanished monitor); their leftover clients on this host (a
 * stream watcher, a capture pipeline) are stopped. Everything owned by a live
 * pixelpass is left alone.
 */
export function planRepair(state: ServerState, isAlive: (pid: number) => boolean, localHost: string): RepairStep[] {
  const dead = (pid: number | undefined): pid is number => pid !== undefined && !isAlive(pid);
  const sinkById = new Map(state.sinks.map((s) => [s.index, s]));
  const userSinks = state.sinks.filter((s) => ownerOfName(s.name) === undefined);
  const fallback =
    (state.info.defaultSink && ownerOfName(state.info.defaultSink) === undefined ? state.info.defaultSink : undefined) ??
    userSinks[0]?.name;

  const moves: RepairStep[] = [];
  const loopbacks = new Map<number, RepairStep>();
  const sinkModules = new Map<number, RepairStep>();
  const kills: RepairStep[] = [];

  // Where each dead owner's loopback played: that is where the user listened.
  const restoreTo = new Map<number, string>();
  for (const input of state.sinkInputs) {
    const owner = ownerOfProperties(input.properties);
    const target = sinkById.get(input.sink);
    if (dead(owner) && input.ownerModule !== undefined && target && ownerOfName(target.name) === undefined) {
      restoreTo.set(owner, target.name);
    }
  }

  for (const sink of state.sinks) {
    const owner = ownerOfName(sink.name);
    if (!dead(owner)) continue;
    const to = restoreTo.get(owner) ?? fallback;
    for (const input of state.sinkInputs) {
      if (input.sink !== sink.index || !isApplicationStream(input) || !to) continue;
      moves.push({ kind: 'move', sinkInput: input.index, to, label: `moved ${appName(input.properties)} (stream #${input.index}) back to ${to}` });
    }
    if (sink.ownerModule !== undefined) {
      sinkModules.set(sink.ownerModule, {
        kind: 'unload',
        module: sink.ownerModule,
        label: `unloaded null sink ${sink.name} (module #${sink.ownerModule}; pid ${owner} is gone)`,
      });
    }
  }

  for (const stream of [...state.sinkInputs, ...state.sourceOutputs]) {
    const owner = ownerOfProperties(stream.properties);
    if (!dead(owner) || stream.ownerModule === undefined || sinkModules.has(stream.ownerModule)) continue;
    loopbacks.set(stream.ownerModule, {
      kind: 'unload',
      module: stream.ownerModule,
      label: `unloaded loopback module #${stream.ownerModule} (pid ${owner} is gone)`,
    });
  }

  for (const client of state.clients) {
    const p = client.properties;
    const owner = ownerOfName(p['application.name']);
    const pid = Number(p['application.process.id']);
    if (!dead(owner) || p['application.process.host'] !== localHost || !Number.isInteger(pid) || pid <= 0) continue;
    if (!OWNED_CLIENT_BINARIES.has(p['application.process.binary'] ?? '')) continue;
    kills.push({
      kind: 'stop-process',
      pid,
      label: `stopped ${p['application.process.binary']} ${p['application.name']} (pid ${pid}; pid ${owner} is gone)`,
    });
  }

  return [...moves, ...loopbacks.values(), ...sinkModules.values(), ...kills];
}
