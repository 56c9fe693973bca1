import { socketAnswers, type ReadinessCheck } from '@pixelpass/core';
import { elementReadiness } from '@pixelpass/gst';

/** Where a DISPLAY's X server listens. */
export function xServerAddress(display: string): { path: string } | { host: string; port: number } | undefined {
  const m = /^([^:]*):(\d+)(?:\.\d+)?$/.exec(display.trim());
  if (!m) return undefined;
  const [, host, n] = m;
  if (!host || host === 'unix') return { path: `/tmp/.X11-unix/X${n}` };
  return { host: host!, port: 6000 + Number(n) };
}

/** `doctor` for X11 capture: the X server answers, and ximagesrc is installed. */
export async function x11Readiness(display: string | undefined): Promise<ReadinessCheck[]> {
  const server = async (): Promise<ReadinessCheck> => {
    if (!display) return { label: 'X server', status: 'fail', need: 'host', detail: 'DISPLAY is not set', install: 'nothing: run inside the X session, or pass --display' };
    const address = xServerAddress(display);
    const up = address ? await socketAnswers(address) : false;
    return { label: `X server on ${display}`, status: up ? 'ok' : 'fail', need: 'host', install: up ? undefined : 'nothing: start the X session, or fix DISPLAY' };
  };
  const [s, elements] = await Promise.all([server(), elementReadiness(['ximagesrc'], 'host', 'captures the x11 screen')]);
  return [s, ...elements];
}
