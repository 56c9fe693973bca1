import { connect } from 'node:net';

/** True when something accepts a connection there within `ms` (an X server, PipeWire): for `doctor`. */
export function socketAnswers(target: { readonly path: string } | { readonly host: string; readonly port: number }, ms = 2000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = 'path' in target ? connect(target.path) : connect(target.port, target.host);
    const done = (ok: boolean): void => {
      s.destroy();
      resolve(ok);
    };
    s.setTimeout(ms, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
