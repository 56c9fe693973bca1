import { describe, expect, it } from 'vitest';
import { ApprovalPrompt, parseAnswer, type ApprovalInput } from './approval-prompt.js';

describe('parseAnswer', () => {
  it.each([
    ['y', 'yes'],
    ['Yes', 'yes'],
    ['  allow ', 'yes'],
    ['n', 'no'],
    ['NO', 'no'],
    ['', 'no'],
    ['deny', 'no'],
    ['maybe', undefined],
    ['yy', undefined],
  ])('%j → %s', (line, answer) => {
    expect(parseAnswer(line)).toBe(answer);
  });
});

/** A typed-lines stand-in: `type` delivers a line as the terminal would. */
function fakeInput() {
  let listener: ((line: string | null) => void) | undefined;
  const input: ApprovalInput = { onLine: (l) => (listener = l), close: () => listener?.(null) };
  return { input, type: (line: string | null) => listener?.(line) };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('ApprovalPrompt', () => {
  it('asks once per viewer endpoint and remembers the answer', async () => {
    const { input, type } = fakeInput();
    const out: string[] = [];
    const prompt = new ApprovalPrompt(input, { timeoutMs: 10_000, write: (t) => out.push(t) });
    const first = prompt.approve('abc', 'abc-full');
    await tick();
    expect(out.join('')).toMatch(/viewer abc wants to watch/);
    type('y');
    expect(await first).toBe(true);
    expect(await prompt.approve('abc', 'abc-full')).toBe(true);
    expect(out.filter((l) => l.includes('wants to watch'))).toHaveLength(1);
  });

  it('asks one question at a time; a line typed before a question is ignored', async () => {
    const { input, type } = fakeInput();
    const out: string[] = [];
    const prompt = new ApprovalPrompt(input, { timeoutMs: 10_000, write: (t) => out.push(t) });
    type('y'); // stray, nobody asked
    const a = prompt.approve('aaa', 'aaa-full');
    const b = prompt.approve('bbb', 'bbb-full');
    await tick();
    expect(out.join('')).not.toMatch(/bbb/);
    type('what');
    await tick();
    expect(out.join('')).toMatch(/answer y or n/);
    type('n');
    expect(await a).toBe(false);
    await tick();
    expect(out.join('')).toMatch(/viewer bbb wants to watch/);
    type('yes');
    expect(await b).toBe(true);
    // Declined stays declined for this run.
    expect(await prompt.approve('aaa', 'aaa-full')).toBe(false);
  });

  it('declines when nobody answers in time, and asks again next time', async () => {
    const { input, type } = fakeInput();
    const out: string[] = [];
    const prompt = new ApprovalPrompt(input, { timeoutMs: 20, write: (t) => out.push(t) });
    expect(await prompt.approve('zzz', 'zzz-full')).toBe(false);
    expect(out.join('')).toMatch(/no answer; viewer zzz declined/);
    const again = prompt.approve('zzz', 'zzz-full');
    await tick();
    type('y');
    expect(await again).toBe(true);
  });

  it('declines everyone once the input has ended', async () => {
    const { input, type } = fakeInput();
    const prompt = new ApprovalPrompt(input, { timeoutMs: 10_000, write: () => undefined });
    const a = prompt.approve('aaa', 'aaa-full');
    await tick();
    type(null);
    expect(await a).toBe(false);
    expect(await prompt.approve('bbb', 'bbb-full')).toBe(false);
  });
});

describe('ApprovalPrompt: fresh endpoint ids cannot keep the host answering', () => {
  it('asks at most the burst of new viewers, then says busy until the rate allows one more; known viewers are never busy', async () => {
    const { input, type } = fakeInput();
    const out: string[] = [];
    let now = 0;
    const prompt = new ApprovalPrompt(input, { timeoutMs: 10_000, write: (t) => out.push(t), rate: { burst: 2, everyMs: 10_000 }, now: () => now });
    const answers: Array<boolean | 'busy'> = [];
    for (const id of ['a', 'b']) {
      const asked = prompt.approve(id, id);
      await tick();
      type('n');
      answers.push(await asked);
    }
    answers.push(await prompt.approve('c', 'c'), await prompt.approve('d', 'd'));
    // Declined before: answered from memory, not busy.
    answers.push(await prompt.approve('a', 'a'));
    now += 10_000;
    const later = prompt.approve('e', 'e');
    await tick();
    type('y');
    answers.push(await later);
    expect(answers).toEqual([false, false, 'busy', 'busy', false, true]);
    expect(out.filter((l) => l.includes('wants to watch'))).toHaveLength(3);
  });
});
