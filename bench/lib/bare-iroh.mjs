#!/usr/bin/env node
// The ceiling: a bare loop over the @number0/iroh binding, no pixelpass code.
//   bare-iroh.mjs host <chunkBytes> <convert|preconverted>  → prints its ticket, then writes forever
//   bare-iroh.mjs viewer <ticket>                           → reads and prints cumulative bytes every 200 ms
// "preconverted" writes one Array<number> over and over (the binding's ceiling);
// "convert" converts a fresh Uint8Array per write, as any real sender must.
import { performance } from 'node:perf_hooks';
import { loadIroh } from './paths.mjs';

const { Endpoint, EndpointTicket, RelayMode } = loadIroh();
const ALPN = Array.from(Buffer.from('pixelpass-bench/0'));
const [role, arg, mode] = process.argv.slice(2);

// Endpoints, connections and streams stay referenced: the binding drops an
// endpoint's driver when its JS object is collected, mid-transfer.
const keep = [];

async function bind(alpns) {
  const b = Endpoint.builder();
  b.applyMinimal();
  b.relayMode(RelayMode.disabled());
  if (alpns) b.alpns(alpns);
  b.bindAddr('127.0.0.1:0');
  const ep = await b.bind();
  keep.push(ep);
  return ep;
}

function toByteArray(bytes) {
  const out = new Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) out[i] = bytes[i];
  return out;
}

if (role === 'host') {
  const chunkBytes = Number(arg);
  const ep = await bind([ALPN]);
  process.stdout.write(`${JSON.stringify({ type: 'ready', ticket: EndpointTicket.fromAddr(ep.addr()).toString() })}\n`);
  const source = Buffer.alloc(chunkBytes);
  for (let i = 0; i < chunkBytes; i++) source[i] = (i * 7) & 0xff;
  const fixed = toByteArray(source);
  const incoming = await ep.acceptNext();
  const conn = await (await incoming.accept()).connect();
  const bi = await conn.acceptBi();
  keep.push(conn, bi);
  await bi.recv.read(16);
  let n = 0;
  for (;;) {
    if (mode === 'convert') {
      source[0] = n++ & 0xff;
      await bi.send.writeAll(toByteArray(source));
    } else {
      await bi.send.writeAll(fixed);
    }
  }
} else if (role === 'viewer') {
  const ep = await bind();
  const conn = await ep.connect(EndpointTicket.fromString(arg).endpointAddr(), ALPN);
  const bi = await conn.openBi();
  keep.push(conn, bi);
  await bi.send.writeAll([1]);
  let bytes = 0;
  setInterval(() => process.stdout.write(`${JSON.stringify({ type: 'bytes', t: performance.timeOrigin + performance.now(), bytes })}\n`), 200);
  for (;;) {
    const data = await bi.recv.read(256 * 1024);
    if (data.length === 0) break;
    bytes += data.length;
  }
} else {
  process.stderr.write('usage: bare-iroh.mjs host <chunkBytes> <convert|preconverted> | viewer <ticket>\n');
  process.exit(2);
}
