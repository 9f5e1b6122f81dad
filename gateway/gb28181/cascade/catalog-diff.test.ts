import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LowerChannel } from '../lower/backend.js';
import { diffCatalog } from './catalog-diff.js';

const ch = (n: number, patch: Partial<LowerChannel> = {}): LowerChannel => ({
  channelId: `3402000000131000000${n}`,
  name: `cam ${n}`,
  online: true,
  parentId: '34020000002000000001',
  ...patch,
});
const events = (before: LowerChannel[], after: LowerChannel[]) =>
  diffCatalog(before, after).map((c) => `${c.event} ${c.channel.channelId.slice(-1)}`);

test('an unchanged catalog gives no events', () => {
  assert.deepEqual(events([ch(1), ch(2)], [ch(2), ch(1)]), []);
});

test('new IDs are ADD and vanished ones DEL, with the vanished item as it was', () => {
  const changes = diffCatalog([ch(1), ch(2, { name: 'gone' })], [ch(1), ch(3)]);
  assert.deepEqual(
    changes.map((c) => [c.event, c.channel.channelId.slice(-1), c.channel.name]),
    [
      ['ADD', '3', 'cam 3'],
      ['DEL', '2', 'gone'],
    ],
  );
});

test('a status flip alone is ON or OFF', () => {
  assert.deepEqual(events([ch(1), ch(2, { online: false })], [ch(1, { online: false }), ch(2)]), [
    'OFF 1',
    'ON 2',
  ]);
});

test('any descriptive change is UPDATE, also when the status flipped with it', () => {
  assert.deepEqual(
    events(
      [ch(1), ch(2), ch(3), ch(4)],
      [
        ch(1, { name: 'renamed' }),
        ch(2, { parentId: '34020000002160000001', online: false }),
        ch(3, { ptzType: 1 }),
        ch(4),
      ],
    ),
    ['UPDATE 1', 'UPDATE 2', 'UPDATE 3'],
  );
});
