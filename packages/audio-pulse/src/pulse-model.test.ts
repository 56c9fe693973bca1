import { describe, expect, it } from 'vitest';
import {
  SubscriptionParser,
  describeApp,
  gstString,
  matchesApp,
  moduleArgValue,
  noMatchMessage,
  ownedName,
  ownerOfName,
  ownerOfProperties,
  parseModuleIndex,
  parseServerInfo,
  parseSinkInputs,
  parseSinks,
  planRepair,
  playingApps,
  propList,
  type ServerState,
  type Sink,
  type SinkInput,
} from './pulse-model.js';

// Shapes as printed by pactl 16.1 --format=json against pipewire-pulse 0.3.65.
const SINK_INPUTS_JSON = JSON.stringify([
  {
    index: 64,
    driver: 'PipeWire',
    owner_module: null,
    client: '52',
    sink: 46,
    corked: false,
    properties: {
      'application.name': 'ToneB',
      'application.process.id': '8793',
      'application.process.binary': 'gst-launch-1.0',
      'media.name': 'audiotest wave',
    },
  },
  {
    index: 84,
    driver: 'PipeWire',
    owner_module: '536870915',
    client: null,
    sink: 46,
    corked: false,
    properties: { 'media.name': 'pixelpass_999_loopback', 'node.name': 'output.loopback-8705-12' },
  },
]);

const SINKS_JSON = JSON.stringify([
  { index: 46, name: 'speakers', owner_module: 536870913, monitor_source: 'speakers.monitor', properties: {} },
  {
    index: 77,
    name: 'pixelpass_999_app',
    owner_module: 536870914,
    monitor_source: 'pixelpass_999_app.monitor',
    properties: { 'device.description': 'pixelpass capture', 'pixelpass.owner': '999' },
  },
]);

function input(index: number, sink: number, props: Record<string, string>, ownerModule?: number, corked = false): SinkInput {
  return { index, sink, ownerModule, corked, properties: props };
}

function sink(index: number, name: string, ownerModule?: number): Sink {
  return { index, name, ownerModule, monitorSource: `${name}.monitor`, properties: {} };
}

describe('parsing pactl --format=json', () => {
  it('reads sink-inputs with string and null module indices', () => {
    const inputs = parseSinkInputs(SINK_INPUTS_JSON);
    expect(inputs).toEqual([
      expect.objectContaining({ index: 64, sink: 46, ownerModule: undefined, corked: false }),
      expect.objectContaining({ index: 84, sink: 46, ownerModule: 536870915 }),
    ]);
    expect(inputs[0]!.properties['application.name']).toBe('ToneB');
  });

  it('reads sinks', () => {
    expect(parseSinks(SINKS_JSON).map((s) => [s.index, s.name, s.ownerModule])).toEqual([
      [46, 'speakers', 536870913],
      [77, 'pixelpass_999_app', 536870914],
    ]);
  });

  it.each([
    ['a named default sink', { server_name: 'PulseAudio (on PipeWire 0.3.65)', default_sink_name: 'speakers' }, 'speakers'],
    ['no default sink', { server_name: 'x', default_sink_name: '' }, undefined],
    ['a placeholder', { server_name: 'x', default_sink_name: '@DEFAULT_SINK@' }, undefined],
    ['a missing field', { server_name: 'x' }, undefined],
  ])('server info with %s', (_name, json, expected) => {
    expect(parseServerInfo(JSON.stringify(json)).defaultSink).toBe(expected);
  });

  it.each([
    ['text output of an old pactl', 'Server String: /run/user/1000/pulse/native', /--format=json/],
    ['an object where a list belongs', '{}', /not a list/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseSinks(text)).toThrow(message);
  });

  it.each([
    ['536870914\n', 536870914],
    ['17', 17],
  ])('load-module index %j', (text, expected) => expect(parseModuleIndex(text)).toBe(expected));

  it('load-module without an index fails', () => expect(() => parseModuleIndex('Failure: Module initialization failed')).toThrow());
});

describe('SubscriptionParser', () => {
  it.each([
    ['one event', ['{"index":65,"event":"change","on":"sink-input"}'], [{ index: 65, event: 'change', on: 'sink-input' }]],
    [
      'events glued together',
      ['{"index":1,"event":"new","on":"client"}{"index":2,"event":"new","on":"sink-input"}'],
      [
        { index: 1, event: 'new', on: 'client' },
        { index: 2, event: 'new', on: 'sink-input' },
      ],
    ],
    [
      'an event cut by the pipe',
      ['{"index":7,"ev', 'ent":"remove","on":"sink-input"}'],
      [{ index: 7, event: 'remove', on: 'sink-input' }],
    ],
    ['trailing text', ['{"index":3,"event":"new","on":"module"}Got SIGINT, exiting.'], [{ index: 3, event: 'new', on: 'module' }]],
    ['a brace inside a string', ['{"index":4,"event":"new","on":"x}"}'], [{ index: 4, event: 'new', on: 'x}' }]],
    ['an unknown event kind', ['{"index":4,"event":"odd","on":"x"}'], []],
  ])('%s', (_name, chunks, expected) => {
    const parser = new SubscriptionParser();
    expect(chunks.flatMap((c) => parser.push(c))).toEqual(expected);
  });
});

describe('names pixelpass gives', () => {
  it.each([
    ['pixelpass_1234_app', 1234],
    ['pixelpass_1234_loopback', 1234],
    ['pixelpass_77_watch', 77],
    ['pixelpass-1234-app', undefined],
    ['pixelpass_app', undefined],
    ['speakers', undefined],
    ['alsa_output.pci-0000_00_1f.3.analog-stereo', undefined],
    [undefined, undefined],
  ])('owner of %j is %j', (name, owner) => expect(ownerOfName(name)).toBe(owner));

  it('round-trips', () => expect(ownerOfName(ownedName(4242, 'app'))).toBe(4242));

  it.each([
    [{ 'pixelpass.owner': '55' }, 55],
    [{ 'media.name': 'pixelpass_56_loopback' }, 56],
    [{ 'application.name': 'pixelpass_57_capture' }, 57],
    [{ 'application.name': 'Firefox', 'media.name': 'Playback' }, undefined],
  ])('owner of properties %j is %j', (props, owner) => expect(ownerOfProperties(props)).toBe(owner));

  it.each([
    ['speakers', 'speakers'],
    ['with space', '"with space"'],
    ['say "hi"', '"say \\"hi\\""'],
    ['', '""'],
  ])('module argument value %j', (value, expected) => expect(moduleArgValue(value)).toBe(expected));

  it('property lists are one quoted module argument', () => {
    expect(propList({ 'media.name': 'pixelpass_1_loopback', 'device.description': "pixelpass capture of Bob's app" })).toBe(
      `"media.name=pixelpass_1_loopback device.description='pixelpass capture of Bobs app'"`,
    );
  });

  it('gst strings are quoted', () => expect(gstString('a "b".monitor')).toBe('"a \\"b\\".monitor"'));
});

describe('matching --app', () => {
  const firefox = input(1, 46, { 'application.name': 'Firefox', 'application.process.binary': 'firefox-esr', 'application.process.id': '4321' });
  const loopback = input(2, 46, { 'application.name': 'Firefox' }, 536870915);
  const ours = input(3, 46, { 'application.name': 'Firefox', 'pixelpass.owner': '9' });
  it.each([
    [firefox, 'firefox', true],
    [firefox, 'FIREFOX', true],
    [firefox, ' Firefox ', true],
    [firefox, 'firefox-esr', true],
    [firefox, '4321', true],
    [firefox, 'fire', false],
    [firefox, '432', false],
    [firefox, '', false],
    [loopback, 'firefox', false],
    [ours, 'firefox', false],
  ])('stream #%# matches %j: %j', (stream, query, expected) => expect(matchesApp(stream, query)).toBe(expected));
});

describe('playing apps', () => {
  const sinks = [sink(46, 'speakers'), sink(77, 'pixelpass_9_app', 5)];
  const inputs = [
    input(10, 46, { 'application.name': 'mpv', 'application.process.binary': 'mpv', 'application.process.id': '300' }),
    input(11, 46, { 'application.name': 'Firefox', 'application.process.binary': 'firefox-esr', 'application.process.id': '200' }, undefined, true),
    input(12, 77, { 'application.name': 'firefox', 'application.process.binary': 'firefox-esr', 'application.process.id': '201' }),
    input(13, 46, { 'media.name': 'pixelpass_9_loopback' }, 6),
  ];

  it('groups streams by app name, ignoring case, and leaves out module streams', () => {
    expect(playingApps(inputs, sinks)).toEqual([
      { name: 'Firefox', binary: 'firefox-esr', pids: [200, 201], streams: [11, 12], sinks: ['speakers', 'pixelpass_9_app'], corked: false },
      { name: 'mpv', binary: 'mpv', pids: [300], streams: [10], sinks: ['speakers'], corked: false },
    ]);
  });

  it.each([
    [{ name: 'mpv', binary: 'mpv', pids: [300], streams: [10], sinks: [], corked: false }, 'mpv (pid 300)'],
    [{ name: 'Firefox', binary: 'firefox-esr', pids: [1, 2], streams: [], sinks: [], corked: true }, 'Firefox (firefox-esr, pid 1,2, paused)'],
    [{ name: 'x', binary: undefined, pids: [], streams: [], sinks: [], corked: false }, 'x'],
  ])('describes %j', (app, text) => expect(describeApp(app)).toBe(text));

  it.each([
    [[], /nothing is playing audio right now/],
    [playingApps(inputs, sinks), /no application matches --app "nosuchapp"; playing now: Firefox \(firefox-esr, pid 200,201\); mpv \(pid 300\)/],
  ])('no-match message #%#', (apps, message) => expect(noMatchMessage('nosuchapp', apps)).toMatch(message));
});

describe('planRepair', () => {
  const alive = (pids: number[]) => (pid: number) => pids.includes(pid);
  const base = (over: Partial<ServerState>): ServerState => ({
    info: { serverName: 'PipeWire', defaultSink: 'speakers' },
    sinks: [sink(46, 'speakers', 1), sink(50, 'headphones', 2)],
    sinkInputs: [],
    sourceOutputs: [],
    clients: [],
    ...over,
  });
  // What a pixelpass with pid 999 leaves after kill -9: null sink, loopback to headphones, app stream, subscriber.
  const orphan = base({
    sinks: [sink(46, 'speakers', 1), sink(50, 'headphones', 2), sink(77, 'pixelpass_999_app', 10)],
    sinkInputs: [
      input(60, 77, { 'application.name': 'ToneA' }),
      input(61, 50, { 'media.name': 'pixelpass_999_loopback', 'pixelpass.owner': '999' }, 11),
      input(62, 46, { 'application.name': 'ToneB' }),
    ],
    sourceOutputs: [{ index: 70, source: 78, ownerModule: 11, properties: { 'pixelpass.owner': '999' } }],
    clients: [
      { index: 90, properties: { 'application.name': 'pixelpass_999_watch', 'application.process.id': '1500', 'application.process.binary': 'pactl', 'application.process.host': 'here' } },
      // Same name on another machine (remote PULSE_SERVER): its pid means nothing here.
      { index: 91, properties: { 'application.name': 'pixelpass_999_watch', 'application.process.id': '1501', 'application.process.binary': 'pactl', 'application.process.host': 'elsewhere' } },
      // A program pixelpass never runs, even if named like ours.
      { index: 92, properties: { 'application.name': 'pixelpass_999_x', 'application.process.id': '1502', 'application.process.binary': 'bash', 'application.process.host': 'here' } },
    ],
  });

  it('restores streams to where the loopback played, then unloads loopback, sink, and drops clients', () => {
    expect(planRepair(orphan, alive([]), 'here').map((s) => [s.kind, 'sinkInput' in s ? s.sinkInput : 'module' in s ? s.module : s.pid, 'to' in s ? s.to : ''])).toEqual([
      ['move', 60, 'headphones'],
      ['unload', 11, ''],
      ['unload', 10, ''],
      ['stop-process', 1500, ''],
    ]);
  });

  it('touches nothing of a pixelpass that is still running', () => {
    expect(planRepair(orphan, alive([999]), 'here')).toEqual([]);
  });

  it('falls back to the default sink when the loopback is gone', () => {
    const state = { ...orphan, sinkInputs: orphan.sinkInputs.filter((i) => i.index !== 61), sourceOutputs: [] };
    expect(planRepair(state, alive([]), 'here')[0]).toMatchObject({ kind: 'move', sinkInput: 60, to: 'speakers' });
  });

  it('never restores to a pixelpass sink, even when it is the default', () => {
    const state = { ...orphan, info: { serverName: 'x', defaultSink: 'pixelpass_999_app' }, sinkInputs: [orphan.sinkInputs[0]!] };
    expect(planRepair(state, alive([]), 'here')[0]).toMatchObject({ kind: 'move', to: 'speakers' });
  });

  it('has nothing to do on a clean server (the second run)', () => {
    expect(planRepair(base({ sinkInputs: [input(62, 46, { 'application.name': 'ToneB' })] }), alive([]), 'here')).toEqual([]);
  });

  it('labels say what and why', () => {
    expect(planRepair(orphan, alive([]), 'here').map((s) => s.label)).toEqual([
      'moved ToneA (stream #60) back to headphones',
      'unloaded loopback module #11 (pid 999 is gone)',
      'unloaded null sink pixelpass_999_app (module #10; pid 999 is gone)',
      'stopped pactl pixelpass_999_watch (pid 1500; pid 999 is gone)',
    ]);
  });
});
