import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../log.js';
import { RateLimitedLog } from './log-limiter.js';

test('lets N lines per window through, counts the rest, and reports the count with the next line', () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger('test');
  const fake = Object.assign(Object.create(log) as typeof log, {
    warn: (fields: Record<string, unknown>) => lines.push(fields),
  });
  let now = 0;
  const limited = new RateLimitedLog(fake, { linesPerWindow: 3, windowMs: 1_000, now: () => now });
  for (let i = 0; i < 1_000; i++) {
    limited.warn({ i }, 'bad datagram');
  }
  assert.deepEqual(lines, [{ i: 0 }, { i: 1 }, { i: 2 }]);
  assert.equal(limited.suppressed, 997);
  now = 1_000;
  assert.equal(limited.warn({ i: 1_000 }, 'bad datagram'), true);
  assert.deepEqual(lines[3], { i: 1_000, suppressed: 997 });
  assert.equal(limited.suppressed, 0);
});
