import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { childPids, ffprobeCount, pidAlive } from './helpers/media-probe.js';
import { hostAndViewer, runCli, stopAllCli } from './helpers/pixelpass.js';
import { requireTools } from './helpers/require-tools.js';
import { SPEAKERS, recordSource, startSoundServer, startTone, type SoundServer, type TonePlayer } from './helpers/sound-server.js';
import { decodeAudio, rms, toneAmplitude } from './helpers/tone-analysis.js';

const A = { name: 'ToneA', freq: 440 };
const B = { name: 'ToneB', freq: 1000 };
/** A second stream ToneA opens while being shared. */
const LATE_FREQ = 660;

/** A tone is "there" well above codec noise, "absent" far below the other one. */
const PRESENT = 0.05;
const ABSENT = 0.01;

interface SinkInputJson {
  index: number;
  sink: number;
  owner_module: string | number | null;
  properties: Record<string, string>;
}

describe('audio: system and per-app capture on a private PipeWire server', () => {
  requireTools('gst-launch-1.0', 'ffmpeg', 'pactl', 'pipewire', 'wireplumber', 'pipewire-pulse', 'dbus-daemon');
  let server: SoundServer;
  const tones: TonePlayer[] = [];
  const strays: number[] = [];

  beforeAll(async () => {
    server = await startSoundServer();
    tones.push(await startTone(server, A.name, A.freq), await startTone(server, B.name, B.freq));
  });

  afterAll(async () => {
    await stopAllCli();
    for (const pid of strays) if (pidAlive(pid)) process.kill(pid, 'SIGKILL');
    for (const tone of tones) await tone.stop();
    await server?.stop();
  });

  const json = async <T>(...what: string[]): Promise<T> => JSON.parse(await server.pactl('--format=json', 'list', ...what)) as T;
  const sinks = () => json<Array<{ index: number; name: string }>>('sinks');
  const sinkInputs = () => json<SinkInputJson[]>('sink-inputs');
  /** The sinks the app's streams play on. */
  const sinksOf = async (app: string): Promise<Array<string | undefined>> => {
    const [all, inputs] = await Promise.all([sinks(), sinkInputs()]);
    return inputs.filter((i) => i.properties['application.name'] === app).map((i) => all.find((s) => s.index === i.sink)?.name);
  };
  /** Anything pixelpass left: sinks, modules, clients, streams with its name. */
  const leftovers = async (): Promise<string[]> => {
    const [all, modules, clients, inputs] = await Promise.all([
      sinks(),
      json<Array<{ name: string; argument: string }>>('modules'),
      json<Array<{ properties: Record<string, string> }>>('clients'),
      sinkInputs(),
    ]);
    return [
      ...all.filter((s) => s.name.startsWith('pixelpass')).map((s) => `sink ${s.name}`),
      ...modules.filter((m) => m.argument.includes('pixelpass')).map((m) => `module ${m.name} ${m.argument}`),
      ...clients.filter((c) => c.properties['application.name']?.startsWith('pixelpass')).map((c) => `client ${c.properties['application.name']}`),
      ...inputs.filter((i) => i.owner_module !== null).map((i) => `module stream ${i.properties['media.name']}`),
    ];
  };

  it('app-list shows the playing applications', async () => {
    const r = await runCli(['app-list'], server.env);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ToneA \(gst-launch-1\.0, pid \d+\)$/m);
    expect(r.stdout).toMatch(/^ToneB \(gst-launch-1\.0, pid \d+\)$/m);
  });

  it('--audio system: the AAC track is not silent and carries both tones', async () => {
    const { host, viewer, url } = await hostAndViewer(['--test-size', '320x240', '--audio', 'system'], server.env);
    const samples = await decodeAudio(url, 3, 1);
    await viewer.stop();
    await host.stop();
    expect(samples.length).toBeGreaterThan(48_000 * 2);
    expect(rms(samples)).toBeGreaterThan(0.05);
    expect(toneAmplitude(samples, A.freq)).toBeGreaterThan(PRESENT);
    expect(toneAmplitude(samples, B.freq)).toBeGreaterThan(PRESENT);
    expect(host.stderr()).toMatch(/capture started: .*system audio \(pp_test_speakers\.monitor\)/);
  });

  it('--app captures only that app (also its later streams), which stays audible; a normal exit leaves nothing behind', async () => {
    const { host, viewer, url } = await hostAndViewer(['--test-size', '320x240', '--app', 'tonea'], server.env);
    const captured = decodeAudio(url, 2.5, 2.5);
    await new Promise((r) => setTimeout(r, 1000));
    // The app opens another stream mid-share: it is captured too.
    const late = await startTone(server, A.name, LATE_FREQ);
    tones.push(late);
    await new Promise((r) => setTimeout(r, 1000));
    const ours = `pixelpass_${host.child.pid}_app`;
    expect(await sinksOf(A.name)).toEqual([ours, ours]);
    expect(await sinksOf(B.name)).toEqual([SPEAKERS]);
    // Meanwhile the user's speakers still play everything (ToneA through the loopback).
    const heard = await recordSource(server, `${SPEAKERS}.monitor`, 1.5);
    const samples = await captured;

    expect(toneAmplitude(samples, A.freq)).toBeGreaterThan(PRESENT);
    expect(toneAmplitude(samples, LATE_FREQ)).toBeGreaterThan(PRESENT);
    expect(toneAmplitude(samples, B.freq)).toBeLessThan(ABSENT);
    for (const f of [A.freq, LATE_FREQ, B.freq]) expect(toneAmplitude(heard, f), `${f} Hz on the speakers`).toBeGreaterThan(PRESENT);

    expect((await host.stop('SIGINT')).code).toBe(0);
    await viewer.stop();
    expect(await leftovers()).toEqual([]);
    expect(await sinksOf(A.name)).toEqual([SPEAKERS, SPEAKERS]);
    await late.stop();
    tones.splice(tones.indexOf(late), 1);
  });

  it('after kill -9 of the host, repair restores the routing and unloads the leftovers; a second repair removes nothing', async () => {
    const { host, viewer, url } = await hostAndViewer(['--test-size', '320x240', '--app', A.name], server.env);
    const samples = await decodeAudio(url, 1.5, 0.5);
    expect(toneAmplitude(samples, A.freq)).toBeGreaterThan(PRESENT);
    strays.push(...(await childPids(host.child.pid!)));
    host.child.kill('SIGKILL');
    await host.exited;
    await viewer.stop();
    expect(await sinksOf(A.name)).toEqual([`pixelpass_${host.child.pid}_app`]);
    expect((await leftovers()).length).toBeGreaterThan(0);

    const first = await runCli(['repair'], server.env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(new RegExp(`^moved ToneA \\(stream #\\d+\\) back to ${SPEAKERS}$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^unloaded loopback module #\\d+ \\(pid ${host.child.pid} is gone\\)$`, 'm'));
    expect(first.stdout).toMatch(new RegExp(`^unloaded null sink pixelpass_${host.child.pid}_app `, 'm'));
    expect(await sinksOf(A.name)).toEqual([SPEAKERS]);
    expect(await leftovers()).toEqual([]);

    const second = await runCli(['host', '--repair'], server.env);
    expect(second.code).toBe(0);
    expect(second.stdout).toBe('');
    expect(second.stderr.trim()).toBe('pixelpass: nothing to repair');
  });

  it('without a sound server the host shares video only and says why, once', async () => {
    const env = { PULSE_SERVER: `unix:${server.dir}/no-such-server` };
    const { host, viewer, url } = await hostAndViewer(['--test-size', '320x240', '--audio', 'system'], env);
    const streams = await ffprobeCount(url, 2);
    await viewer.stop();
    await host.stop();
    expect(streams.map((s) => s.codec_type)).toEqual(['video']);
    expect(host.stderr().match(/audio is off/g)).toHaveLength(1);
    expect(host.stderr()).toMatch(/warning: audio is off: no PulseAudio\/PipeWire sound server answers at unix:\S+no-such-server \(Connection refused\)$/m);
  });

  it('--app nosuchapp fails at once with a message listing the playing apps', async () => {
    const r = await runCli(['host', '--source', 'test', '--app', 'nosuchapp'], server.env);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/no application matches --app "nosuchapp"; playing now: ToneA \(gst-launch-1\.0, pid \d+\); ToneB/);
  });
});
