// A UDP forwarder that delays and drops datagrams, standing in for
// `tc qdisc ... netem delay 100ms loss 2%` on kernels built without sch_netem
// (CI containers, microVMs). It runs inside its own network namespace between
// the viewer's and the host's, so it is the viewer's only path to the host.
//
//   node udp-impair.mjs <listen ip> <upstream source ip> <host ip:port>
//
// Prints "listening <ip>:<port>" once bound. Reads commands on stdin:
//   impair <down|up|both> <delay ms> <loss 0..1>   (down = host → viewer)
// Plain JavaScript: it runs under `ip netns exec` with bare node.
import { createSocket } from 'node:dgram';
import { createInterface } from 'node:readline';

const [listenIp, sourceIp, target] = process.argv.slice(2);
const [targetIp, targetPort] = [target.slice(0, target.lastIndexOf(':')), Number(target.slice(target.lastIndexOf(':') + 1))];
const impair = { down: { delay: 0, loss: 0 }, up: { delay: 0, loss: 0 } };
const stats = { up: 0, down: 0, droppedUp: 0, droppedDown: 0 };

function pass(dir, send) {
  const { delay, loss } = impair[dir];
  if (loss > 0 && Math.random() < loss) {
    stats[dir === 'up' ? 'droppedUp' : 'droppedDown']++;
    return;
  }
  stats[dir]++;
  if (delay > 0) setTimeout(send, delay);
  else send();
}

const front = createSocket('udp4');
/** One upstream socket per viewer address, so the host sees distinct peers. */
const flows = new Map();

front.on('message', (msg, rinfo) => {
  const key = `${rinfo.address}:${rinfo.port}`;
  let up = flows.get(key);
  if (!up) {
    up = createSocket('udp4');
    up.bind({ address: sourceIp, port: 0 });
    up.on('message', (back) => pass('down', () => front.send(back, rinfo.port, rinfo.address)));
    up.on('error', () => undefined);
    flows.set(key, up);
  }
  pass('up', () => up.send(msg, targetPort, targetIp));
});
front.on('error', (err) => {
  process.stderr.write(`udp-impair: ${err.message}\n`);
  process.exit(1);
});
front.bind({ address: listenIp, port: 0 }, () => {
  const a = front.address();
  process.stdout.write(`listening ${a.address}:${a.port}\n`);
});

createInterface({ input: process.stdin }).on('line', (line) => {
  const [cmd, dir, delay, loss] = line.trim().split(/\s+/);
  if (cmd === 'impair') {
    for (const d of dir === 'both' ? ['down', 'up'] : [dir]) impair[d] = { delay: Number(delay), loss: Number(loss) };
    process.stdout.write(`ok ${JSON.stringify(impair)}\n`);
  } else if (cmd === 'stats') {
    process.stdout.write(`stats ${JSON.stringify(stats)}\n`);
  }
});
process.stdin.on('end', () => process.exit(0));
for (const s of ['SIGTERM', 'SIGINT']) process.on(s, () => process.exit(0));
