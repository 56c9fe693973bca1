import dbus from 'dbus-next';
import { describe, expect, it } from 'vitest';
import { PortalTimeout, PortalUnavailable } from './errors.js';
import { mapDBusError, sessionBusAddress, toVariants, unwrapVariants } from './portal-bus.js';

const { Variant, DBusError } = dbus;

describe('unwrapVariants', () => {
  it('turns a Start result into plain values', () => {
    const results = {
      streams: new Variant('a(ua{sv})', [[42, { size: new Variant('(ii)', [1920, 1080]), source_type: new Variant('u', 1) }]]),
      restore_token: new Variant('s', 'tok'),
    };
    expect(unwrapVariants(results)).toEqual({ streams: [[42, { size: [1920, 1080], source_type: 1 }]], restore_token: 'tok' });
  });
  it.each([
    [null, null],
    [undefined, null],
    [new Variant('v', new Variant('u', 7)), 7],
    [[new Variant('b', true)], [true]],
  ])('%j', (input, out) => expect(unwrapVariants(input)).toEqual(out));
});

it('toVariants keeps each option’s signature', () => {
  const v = toVariants({ types: { signature: 'u', value: 1 }, multiple: { signature: 'b', value: false } });
  expect(v.types).toBeInstanceOf(Variant);
  expect([v.types!.signature, v.types!.value, v.multiple!.signature, v.multiple!.value]).toEqual(['u', 1, 'b', false]);
});

describe('sessionBusAddress', () => {
  it.each([
    [{ DBUS_SESSION_BUS_ADDRESS: 'unix:path=/x/bus' }, 'unix:path=/x/bus'],
    [{ XDG_RUNTIME_DIR: '/nonexistent-runtime-dir' }, undefined],
    [{}, undefined],
  ])('%j → %s', (env, address) => expect(sessionBusAddress(env)).toBe(address));
});

describe('mapDBusError', () => {
  const cases: Array<[string, string, string, new (...a: never[]) => Error, RegExp]> = [
    ['org.freedesktop.DBus.Error.ServiceUnknown', 'The name is not activatable', 'ScreenCast properties', PortalUnavailable, /no desktop portal on the session bus/],
    ['org.freedesktop.DBus.Error.InvalidArgs', "No such interface 'org.freedesktop.portal.ScreenCast'", 'ScreenCast properties', PortalUnavailable, /no ScreenCast support/],
    ['org.freedesktop.DBus.Error.UnknownMethod', 'No such method', 'ScreenCast.CreateSession', PortalUnavailable, /no ScreenCast support/],
    ['org.freedesktop.DBus.Error.NoReply', 'timeout', 'ScreenCast.Start', PortalTimeout, /did not answer ScreenCast.Start/],
    ['org.freedesktop.portal.Error.InvalidArgument', 'Invalid cursor mode', 'Session.Close', PortalUnavailable, /failed Session.Close: Invalid cursor mode/],
  ];
  for (const [type, text, what, cls, message] of cases) {
    it(`${type} during ${what}`, () => {
      const err = mapDBusError(new DBusError(type, text), what);
      expect(err).toBeInstanceOf(cls);
      expect(err.message).toMatch(message);
    });
  }
});
