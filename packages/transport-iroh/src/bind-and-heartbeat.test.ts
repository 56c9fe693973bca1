import { describe, expect, it } from 'vitest';
import { isSilent } from './heartbeat.js';
import { bindAddresses, ticketAddresses } from './iroh-transport.js';

describe('bindAddresses: --bind binds there, and the other address family only on its loopback', () => {
  it.each([
    ['127.0.0.1:0', ['127.0.0.1:0', '[::1]:0']],
    ['10.1.2.3:4433', ['10.1.2.3:4433', '[::1]:0']],
    ['0.0.0.0:0', ['0.0.0.0:0', '[::1]:0']],
    ['[::1]:0', ['[::1]:0', '127.0.0.1:0']],
    ['[fd00::1]:5000', ['[fd00::1]:5000', '127.0.0.1:0']],
    ['[fe80::1%eth0]:0', ['[fe80::1%eth0]:0', '127.0.0.1:0']],
    [' 127.0.0.1:0 ', ['127.0.0.1:0', '[::1]:0']],
  ])('%s → %j', (bind, expected) => expect(bindAddresses(bind)).toEqual(expected));

  it.each(['localhost:0', '127.0.0.1', '::1:0', '[::1]', '300.1.1.1:0', '127.0.0.1:70000', '', '[1::2::3]:0'])('"%s" is a usage error in one line', (bind) => {
    expect(() => bindAddresses(bind)).toThrow(/^--bind must be IP:PORT, e\.g\. 127\.0\.0\.1:0 or \[::1\]:0 \(port 0: any free port\) \(got ".*"\)$/);
  });
});

describe('ticketAddresses: a ticket lists the --bind family only', () => {
  const direct = ['127.0.0.1:4000', '[::1]:5000', '10.0.0.2:4000'];
  it.each([
    [undefined, direct],
    ['127.0.0.1:0', ['127.0.0.1:4000', '10.0.0.2:4000']],
    ['[::1]:0', ['[::1]:5000']],
  ])('bind %s → %j', (bind, expected) => expect(ticketAddresses(direct, bind)).toEqual(expected));
});

describe('isSilent', () => {
  it.each([
    [0, 5999, false],
    [0, 6000, false],
    [0, 6001, true],
    [10_000, 12_000, false],
  ])('last heard at %i, now %i → %s', (last, now, silent) => expect(isSilent(last, now, 6000)).toBe(silent));
});
