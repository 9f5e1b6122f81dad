import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger, type Logger } from './log.js';
import { LogThrottle } from './log-throttle.js';

/** A logger whose lines land in `lines` as [level, fields]. */
function capture(): { log: Logger; lines: [string, Record<string, unknown>][] } {
  const lines: [string, Record<string, unknown>][] = [];
  const base = createLogger('test');
  const log = Object.assign(Object.create(base) as Logger, {
    info: (fields: Record<string, unknown>) => lines.push(['info', fields]),
    warn: (fields: Record<string, unknown>) => lines.push(['warn', fields]),
    error: (fields: Record<string, unknown>) => lines.push(['error', fields]),
  });
  return { log, lines };
}

test('lets N lines per window through, counts the rest, and reports the count with the next line', () => {
  const { log, lines } = capture();
  let now = 0;
  const limited = new LogThrottle(log, { linesPerWindow: 3, windowMs: 1_000, now: () => now });
  for (let i = 0; i < 1_000; i++) {
    limited.warn('bad-datagram', { i }, 'bad datagram');
  }
  assert.deepEqual(lines, [
    ['warn', { i: 0 }],
    ['warn', { i: 1 }],
    ['warn', { i: 2 }],
  ]);
  assert.equal(limited.suppressed('bad-datagram'), 997);
  now = 1_000;
  assert.equal(limited.warn('bad-datagram', { i: 1_000 }, 'bad datagram'), true);
  assert.deepEqual(lines[3], ['warn', { i: 1_000, suppressed: 997 }]);
  assert.equal(limited.suppressed('bad-datagram'), 0);
});

test('each key has its own budget, at the level asked for (default: one line per 10 s)', () => {
  const { log, lines } = capture();
  let now = 0;
  const limited = new LogThrottle(log, { now: () => now });
  assert.equal(limited.error('demux', { n: 1 }, 'x'), true);
  assert.equal(limited.error('demux', { n: 2 }, 'x'), false);
  assert.equal(limited.warn('ssrc', { n: 3 }, 'y'), true);
  now = 9_999;
  assert.equal(limited.error('demux', { n: 4 }, 'x'), false);
  now = 10_000;
  assert.equal(limited.info('demux', { n: 5 }, 'x'), true);
  assert.deepEqual(lines, [
    ['error', { n: 1 }],
    ['warn', { n: 3 }],
    ['info', { n: 5, suppressed: 2 }],
  ]);
});

test('keys past maxKeys share one overflow budget: many distinct keys cannot bypass the limit', () => {
  const { log, lines } = capture();
  const limited = new LogThrottle(log, { maxKeys: 2, now: () => 0 });
  for (let i = 0; i < 100; i++) {
    limited.warn(`k${i}`, { i }, 'distinct');
  }
  assert.deepEqual(
    lines.map(([, f]) => f.i),
    [0, 1, 2],
    'k0 and k1 have their own line; k2..k99 share the overflow line',
  );
  assert.equal(limited.suppressed('k50'), 97);
});
