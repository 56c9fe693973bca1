import { errorMessage } from '@pixelpass/core';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import dbus from 'dbus-next';
import { NoSessionBus, PortalTimeout, PortalUnavailable } from './errors.js';
import type { TypedOption } from './portal-protocol.js';

const { Message, Variant } = dbus;
type DBusMessage = InstanceType<typeof dbus.Message>;
type DBusBusOptions = dbus.SessionBusOptions & { negotiateUnixFd: boolean };

/** A plain JavaScript value unwrapped from D-Bus Variants. */
export type Plain = string | number | boolean | bigint | null | Plain[] | { [key: string]: Plain } | Buffer;

/** Turns dbus-next Variants (nested in arrays and dicts) into plain values. */
export function unwrapVariants(value: unknown): Plain {
  if (value instanceof Variant) return unwrapVariants(value.value);
  if (Array.isArray(value)) return value.map(unwrapVariants);
  if (Buffer.isBuffer(value)) return value;
  if (value !== null && typeof value === 'object') {
    const out: { [key: string]: Plain } = {};
    for (const [k, v] of Object.entries(value)) out[k] = unwrapVariants(v);
    return out;
  }
  if (value === undefined) return null;
  return value as string | number | boolean | bigint;
}

export function toVariants(options: Record<string, TypedOption>): Record<string, InstanceType<typeof Variant>> {
  const out: Record<string, InstanceType<typeof Variant>> = {};
  for (const [k, o] of Object.entries(options)) out[k] = new Variant(o.signature, o.value);
  return out;
}

/** Session bus address: the environment's, or systemd's default per-user socket. */
export function sessionBusAddress(env: NodeJS.ProcessEnv): string | undefined {
  if (env.DBUS_SESSION_BUS_ADDRESS) return env.DBUS_SESSION_BUS_ADDRESS;
  if (env.XDG_RUNTIME_DIR && existsSync(`${env.XDG_RUNTIME_DIR}/bus`)) return `unix:path=${env.XDG_RUNTIME_DIR}/bus`;
  return undefined;
}


/**
 * How the screen cast reaches PipeWire. The portal hands out a descriptor for a
 * PipeWire connection limited to the shared stream (OpenPipeWireRemote); D-Bus
 * carries it as a Unix fd, which dbus-next can receive only through the usocket
 * native module (without it OpenPipeWireRemote never answers). Where usocket is
 * not built (npm skips optional native modules in global installs; no compiler),
 * pixelpass, which is never sandboxed, opens its own connection to the user's
 * PipeWire and asks for the portal's node by id: same stream, no descriptor.
 */
export type PipeWireAccess =
  | { readonly kind: 'portal-fd' }
  | { readonly kind: 'direct'; readonly why: string };

let access: PipeWireAccess | undefined;

export function pipewireAccess(): PipeWireAccess {
  if (access) return access;
  const here = createRequire(import.meta.url);
  // dbus-next loads usocket from where it lives; in the npm bundle it lives in this file.
  let fromDbusNext = here;
  try {
    fromDbusNext = createRequire(here.resolve('dbus-next'));
  } catch {
    /* bundled */
  }
  try {
    fromDbusNext('usocket');
    access = { kind: 'portal-fd' };
  } catch (err) {
    access = { kind: 'direct', why: `usocket is not installed (${errorMessage(err).split('\n')[0]})` };
  }
  return access;
}

export interface SignalListener {
  readonly path: string;
  readonly iface: string;
  readonly member: string;
  handle(body: unknown[]): void;
}

/**
 * One connection to the session bus for one capture session: calls with a
 * deadline, and signal subscriptions made before the call they answer.
 */
export class PortalBus {
  #listeners = new Set<SignalListener>();
  #closed = false;
  #onDisconnect: Array<(why: string) => void> = [];

  private constructor(
    private readonly bus: dbus.MessageBus,
    readonly uniqueName: string,
    private readonly timeoutMs: number,
  ) {
    bus.on('message', (msg: DBusMessage) => {
      if (msg.type !== dbus.MessageType.SIGNAL) return;
      for (const l of this.#listeners) {
        if (l.path === msg.path && l.iface === msg.interface && l.member === msg.member) l.handle(msg.body ?? []);
      }
    });
  }

  static async connect(env: NodeJS.ProcessEnv, timeoutMs: number): Promise<PortalBus> {
    const address = sessionBusAddress(env);
    if (!address) {
      throw new NoSessionBus(
        'no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set): run pixelpass inside your desktop session',
      );
    }
    const bus = dbus.sessionBus({ busAddress: address, negotiateUnixFd: pipewireAccess().kind === 'portal-fd' } as DBusBusOptions);
    let portalBus: PortalBus | undefined = undefined;
    const uniqueName = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new PortalTimeout(`the D-Bus session bus at ${address} did not answer within ${timeoutMs / 1000}s`));
      }, timeoutMs);
      bus.on('error', (err: unknown) => {
        clearTimeout(timer);
        if (portalBus) portalBus.#lost(`the session bus connection failed: ${errorMessage(err)}`);
        else reject(new NoSessionBus(`cannot connect to the D-Bus session bus at ${address}: ${errorMessage(err)}`));
      });
      bus.on('connect', () => {
        clearTimeout(timer);
        // dbus-next sets `name` after Hello; its typings omit it.
        const name = (bus as unknown as { name: string | null }).name;
        if (name) resolve(name);
        else reject(new NoSessionBus('the D-Bus session bus gave this connection no name'));
      });
    }).catch((err: unknown) => {
      bus.disconnect();
      throw err;
    });
    portalBus = new PortalBus(bus, uniqueName, timeoutMs);
    return portalBus;
  }

  /** Called when the connection goes away under us (bus daemon gone). */
  onDisconnect(fn: (why: string) => void): void {
    this.#onDisconnect.push(fn);
  }

  #lost(why: string): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const fn of this.#onDisconnect) fn(why);
  }

  /** A method call with a deadline. Maps "nobody there" errors to PortalUnavailable. */
  async call(
    destination: string,
    path: string,
    iface: string,
    member: string,
    signature: string,
    body: unknown[],
    what: string,
    timeoutMs = this.timeoutMs,
  ): Promise<unknown[]> {
    if (this.#closed) throw new PortalUnavailable(`the session bus connection is closed (${what})`);
    const msg = new Message({ destination, path, interface: iface, member, signature, body });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PortalTimeout(`the desktop portal did not answer ${what} within ${Math.round(timeoutMs / 1000)}s`)),
        timeoutMs,
      );
    });
    try {
      const reply = await Promise.race([this.bus.call(msg), deadline]);
      return reply?.body ?? [];
    } catch (err) {
      if (err instanceof dbus.DBusError) throw mapDBusError(err, what);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** Returns the unsubscribe function; `local` only stops listening (the bus is about to go). */
  async subscribe(listener: SignalListener): Promise<(local?: boolean) => Promise<void>> {
    const rule = `type='signal',interface='${listener.iface}',member='${listener.member}',path='${listener.path}'`;
    this.#listeners.add(listener);
    await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'AddMatch', 's', [rule], 'AddMatch');
    return async (local = false) => {
      this.#listeners.delete(listener);
      if (this.#closed || local) return;
      await this.call('org.freedesktop.DBus', '/org/freedesktop/DBus', 'org.freedesktop.DBus', 'RemoveMatch', 's', [rule], 'RemoveMatch').catch(
        () => undefined,
      );
    };
  }

  disconnect(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    this.bus.disconnect();
  }
}

export function mapDBusError(err: InstanceType<typeof dbus.DBusError>, what: string): Error {
  switch (err.type) {
    case 'org.freedesktop.DBus.Error.ServiceUnknown':
    case 'org.freedesktop.DBus.Error.NameHasNoOwner':
    case 'org.freedesktop.DBus.Error.Spawn.ServiceNotFound':
      return new PortalUnavailable(
        'no desktop portal on the session bus (org.freedesktop.portal.Desktop); install xdg-desktop-portal and the portal backend for your desktop (xdg-desktop-portal-gnome, -kde or -wlr)',
      );
    case 'org.freedesktop.DBus.Error.UnknownInterface':
    case 'org.freedesktop.DBus.Error.UnknownMethod':
    case 'org.freedesktop.DBus.Error.UnknownObject':
    case 'org.freedesktop.DBus.Error.InvalidArgs':
      if (/interface|ScreenCast/i.test(err.text ?? err.message) || what.startsWith('ScreenCast')) {
        return new PortalUnavailable(
          `the desktop portal has no ScreenCast support (${err.text || err.type}); install the portal backend for your desktop (xdg-desktop-portal-gnome, -kde or -wlr)`,
        );
      }
      return new PortalUnavailable(`the desktop portal rejected ${what}: ${err.text || err.type}`);
    case 'org.freedesktop.DBus.Error.NoReply':
    case 'org.freedesktop.DBus.Error.Timeout':
      return new PortalTimeout(`the desktop portal did not answer ${what}`);
    default:
      return new PortalUnavailable(`the desktop portal failed ${what}: ${err.text || err.type}`);
  }
}
