#!/usr/bin/env node
// Stands in for a player: reads a URL as fast as it can, discards the bytes, and
// prints cumulative bytes every 200 ms as JSON lines.
import { get } from 'node:http';
import { performance } from 'node:perf_hooks';

let bytes = 0;
const report = () => process.stdout.write(`${JSON.stringify({ type: 'bytes', t: performance.timeOrigin + performance.now(), bytes })}\n`);
setInterval(report, 200);
get(process.argv[2], (res) => {
  if (res.statusCode !== 200) {
    process.stderr.write(`HTTP ${res.statusCode}\n`);
    process.exit(1);
  }
  res.on('data', (d) => (bytes += d.length));
  res.on('end', () => {
    report();
    process.exit(0);
  });
}).on('error', (err) => {
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
