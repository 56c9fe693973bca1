import { describe, expect, it } from 'vitest';
import { PortalCancelled, PortalRequestFailed } from './errors.js';
import {
  chooseStream,
  cursorNotice,
  handleToken,
  isRestoreToken,
  parseStreams,
  pipewireFragment,
  requestPath,
  responseError,
  restoreTokenKey,
  selectSourcesOptions,
  type PortalCapabilities,
  type SourceWish,
} from './portal-protocol.js';

const TOKEN = '3f2b8c1e-9a4d-4e6f-8b7a-1c2d3e4f5a6b';
const full: PortalCapabilities = { version: 5, availableSourceTypes: 1 | 2 | 4, availableCursorModes: 1 | 2 | 4 };

describe('selectSourcesOptions', () => {
  const cases: Array<{ name: string; caps: PortalCapabilities; wish: SourceWish; options: Record<string, unknown>; restores: boolean }> = [
    {
      name: 'modern portal, monitor, embedded cursor, no token yet',
      caps: full,
      wish: { sourceType: 'monitor', cursor: 'embedded' },
      options: { types: 1, multiple: false, cursor_mode: 2, persist_mode: 2 },
      restores: false,
    },
    {
      name: 'modern portal with a stored token',
      caps: full,
      wish: { sourceType: 'window', cursor: 'hidden', restoreToken: TOKEN },
      options: { types: 2, multiple: false, cursor_mode: 1, persist_mode: 2, restore_token: TOKEN },
      restores: true,
    },
    {
      name: 'a token that is not a UUID is not sent (the portal would reject the call)',
      caps: full,
      wish: { sourceType: 'monitor', cursor: 'embedded', restoreToken: 'garbage' },
      options: { types: 1, multiple: false, cursor_mode: 2, persist_mode: 2 },
      restores: false,
    },
    {
      name: 'version 3: no persistence, token ignored',
      caps: { ...full, version: 3 },
      wish: { sourceType: 'monitor', cursor: 'embedded', restoreToken: TOKEN },
      options: { types: 1, multiple: false, cursor_mode: 2 },
      restores: false,
    },
    {
      name: 'version 1: no cursor modes at all',
      caps: { version: 1, availableSourceTypes: 1, availableCursorModes: 0 },
      wish: { sourceType: 'monitor', cursor: 'embedded' },
      options: { types: 1, multiple: false },
      restores: false,
    },
    {
      name: 'the portal rejected persist_mode earlier: asked without it, token not sent',
      caps: full,
      wish: { sourceType: 'monitor', cursor: 'embedded', restoreToken: TOKEN, persist: false },
      options: { types: 1, multiple: false, cursor_mode: 2 },
      restores: false,
    },
    {
      name: 'GNOME offers hidden, embedded and metadata: embedded is asked for',
      caps: { version: 5, availableSourceTypes: 3, availableCursorModes: 7 },
      wish: { sourceType: 'monitor', cursor: 'embedded' },
      options: { types: 1, multiple: false, cursor_mode: 2, persist_mode: 2 },
      restores: false,
    },
    {
      name: 'metadata only: not asked for (pipewiresrc does not draw it), left to the portal',
      caps: { version: 4, availableSourceTypes: 1, availableCursorModes: 1 | 4 },
      wish: { sourceType: 'monitor', cursor: 'embedded' },
      options: { types: 1, multiple: false, persist_mode: 2 },
      restores: false,
    },
    {
      name: 'embedded cursor not offered: left to the portal',
      caps: { ...full, availableCursorModes: 1 },
      wish: { sourceType: 'monitor', cursor: 'embedded' },
      options: { types: 1, multiple: false, persist_mode: 2 },
      restores: false,
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { options, usesRestoreToken } = selectSourcesOptions(c.caps, c.wish);
      expect(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.value]))).toEqual(c.options);
      expect(usesRestoreToken).toBe(c.restores);
    });
  }

  it('signatures match the ScreenCast interface', () => {
    const { options } = selectSourcesOptions(full, { sourceType: 'monitor', cursor: 'embedded', restoreToken: TOKEN });
    expect(Object.fromEntries(Object.entries(options).map(([k, v]) => [k, v.signature]))).toEqual({
      types: 'u',
      multiple: 'b',
      cursor_mode: 'u',
      persist_mode: 'u',
      restore_token: 's',
    });
  });

  it('refuses a source type the portal does not offer', () => {
    expect(() => selectSourcesOptions({ ...full, availableSourceTypes: 1 }, { sourceType: 'window', cursor: 'hidden' })).toThrow(
      /cannot share a window \(it offers: monitor\)/,
    );
  });
});

describe('responseError', () => {
  const cases: Array<[string, number, (new (...a: never[]) => Error) | undefined, RegExp | undefined]> = [
    ['Start', 0, undefined, undefined],
    ['Start', 1, PortalCancelled, /you cancelled the screen-share dialog/],
    // xdpw runs its chooser in SelectSources: a cancel there reads the same as in Start.
    ['SelectSources', 1, PortalCancelled, /^you cancelled the screen-share dialog; nothing is shared$/],
    ['CreateSession', 1, PortalCancelled, /^you cancelled the screen-share dialog; nothing is shared$/],
    ['Start', 2, PortalRequestFailed, /refused to share the screen \(Start ended with an error\)/],
    ['CreateSession', 7, PortalRequestFailed, /unknown response code 7/],
  ];
  for (const [step, code, type, message] of cases) {
    it(`${step} → ${code}`, () => {
      const err = responseError(step, code);
      if (!type) return expect(err).toBeUndefined();
      expect(err).toBeInstanceOf(type);
      expect(err?.message).toMatch(message!);
      expect((err as { kind?: string }).kind).toBe('runtime');
    });
  }
});

describe('cursorNotice', () => {
  it.each([
    ['GNOME (7), shown', 7, 'embedded', undefined],
    ['GNOME (7), hidden', 7, 'hidden', undefined],
    ['wlroots (1|2), shown', 3, 'embedded', undefined],
    ['metadata only, shown', 1 | 4, 'embedded', /not be in the picture: this portal sends it only as PipeWire metadata, which pixelpass \(pipewiresrc\) does not draw \(it offers: hidden, metadata\)/],
    ['hidden only, shown', 1, 'embedded', /drawn as the portal decides.*\(it offers: hidden\)/],
    ['embedded only, hidden', 2, 'hidden', /may be in the picture.*\(it offers: embedded\)/],
  ] as const)('%s', (_n, modes, cursor, expected) => {
    const notice = cursorNotice({ version: 4, availableSourceTypes: 1, availableCursorModes: modes }, cursor);
    if (expected === undefined) expect(notice).toBeUndefined();
    else expect(notice).toMatch(expected);
  });

  it('says nothing when the portal cannot tell (version 1)', () => {
    expect(cursorNotice({ version: 1, availableSourceTypes: 1, availableCursorModes: 0 }, 'embedded')).toBeUndefined();
  });
});

describe('chooseStream', () => {
  it('one stream: that one, nothing to say', () => {
    expect(chooseStream([{ nodeId: 5 }])).toEqual({ stream: { nodeId: 5 } });
  });
  it('several although one was asked for (KDE): the last one, said once', () => {
    const chosen = chooseStream([{ nodeId: 5 }, { nodeId: 9, width: 800, height: 600 }]);
    expect(chosen?.stream).toEqual({ nodeId: 9, width: 800, height: 600 });
    expect(chosen?.notice).toMatch(/answered with 2 streams although pixelpass asked for one.*sharing the last one$/);
  });
  it('none: nothing to share', () => {
    expect(chooseStream([])).toBeUndefined();
  });
});

describe('request plumbing', () => {
  it.each([
    [':1.42', 'tok_1', '/org/freedesktop/portal/desktop/request/1_42/tok_1'],
    [':1.7', 'a', '/org/freedesktop/portal/desktop/request/1_7/a'],
  ])('requestPath(%s, %s)', (name, token, path) => {
    expect(requestPath(name, token)).toBe(path);
  });

  it('handle tokens are valid object-path elements and differ per call', () => {
    const a = handleToken('pixelpass-start', 1, 0.5);
    const b = handleToken('pixelpass-start', 2, 0.5);
    expect(a).toMatch(/^[A-Za-z0-9_]+$/);
    expect(a).not.toBe(b);
  });

  it.each([
    [TOKEN, true],
    [TOKEN.toUpperCase(), true],
    ['', false],
    ['3f2b8c1e-9a4d-4e6f-8b7a', false],
    ['../../etc/passwd', false],
  ])('isRestoreToken(%s) = %s', (t, ok) => expect(isRestoreToken(t)).toBe(ok));
});

describe('parseStreams', () => {
  it.each([
    ['one monitor with size', [[42, { size: [1920, 1080], source_type: 1 }]], [{ nodeId: 42, width: 1920, height: 1080, sourceType: 1 }]],
    ['no size (window portals may omit it)', [[7, {}]], [{ nodeId: 7 }]],
    ['garbage', 'nope', []],
    ['bad entries skipped', [['x', {}], [9, { size: [0, 0] }]], [{ nodeId: 9 }]],
  ])('%s', (_, value, expected) => expect(parseStreams(value)).toEqual(expected));
});

describe('pipewireFragment', () => {
  it('uses the inherited fd and node, stamps on arrival and keeps frames coming on a still screen', () => {
    const f = pipewireFragment({ fd: 23, nodeId: 57, fps: 30 });
    expect(f).toMatch(/^pipewiresrc fd=23 path=57 do-timestamp=true keepalive-time=33 /);
    expect(f).toMatch(/ ! video\/x-raw,format=\{BGRx,BGRA,RGBx,RGBA,xRGB,ARGB,xBGR,ABGR\}$/);
    expect(f).not.toMatch(/\s{2}/); // no blank-separated branches
  });
  it('without a descriptor, connects to the user\'s PipeWire and asks for the node by id', () => {
    const f = pipewireFragment({ nodeId: 57, fps: 30 });
    expect(f).toMatch(/^pipewiresrc path=57 do-timestamp=true /);
    expect(f).not.toContain('fd=');
  });
  it.each([
    [60, 17],
    [1, 1000],
    [0, 1000],
  ])('keepalive for %i fps is %i ms', (fps, ms) => {
    expect(pipewireFragment({ fd: 3, nodeId: 1, fps })).toContain(`keepalive-time=${ms} `);
  });
});

it('restore tokens are kept per source choice', () => {
  expect(restoreTokenKey({ sourceType: 'monitor', cursor: 'embedded' })).toBe('monitor-cursor-embedded');
  expect(restoreTokenKey({ sourceType: 'window', cursor: 'hidden' })).not.toBe(restoreTokenKey({ sourceType: 'monitor', cursor: 'hidden' }));
});
