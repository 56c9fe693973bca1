// Tries to reach a pixelpass host at the given direct addresses, from wherever
// it runs (e.g. `ip netns exec <ns> node iroh-dial.mjs ...`): prints "connected"
// or "failed: <why>" and exits 0 either way. Args: <endpoint ticket> <timeout ms> <ip:port>...
import { createRequire } from 'node:module';

const iroh = createRequire(new URL('../../packages/transport-iroh/package.json', import.meta.url))('@number0/iroh');
const [ticket, timeoutMs, ...addresses] = process.argv.slice(2);
const id = iroh.EndpointTicket.fromString(ticket).endpointAddr().id();
const b = iroh.Endpoint.builder();
b.applyMinimal();
b.relayMode(iroh.RelayMode.disabled());
const ep = await b.bind();
const result = await Promise.race([
  ep.connect(new iroh.EndpointAddr(id, null, addresses), Array.from(Buffer.from('pixelpass/0'))).then(
    () => 'connected',
    (err) => `failed: ${String(err).split('\n')[0]}`,
  ),
  new Promise((resolve) => setTimeout(() => resolve('failed: timed out'), Number(timeoutMs))),
]);
process.stdout.write(`${result}\n`);
await Promise.race([ep.close(), new Promise((r) => setTimeout(r, 1000))]);
process.exit(0);
