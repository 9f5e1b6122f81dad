import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AccessUnit } from '../../../../codecs/types.js';
import { Stream } from '../../../hub/stream.js';
import { packAccessUnit, unpackAccessUnit, type AuMessage, type ToWorker } from './messages.js';
import { WorkerFeed } from './worker-feed.js';

const h264 = (pts: number, keyframe: boolean, ...units: number[][]): AccessUnit => ({
  codec: 'H264',
  pts,
  dts: pts,
  keyframe,
  units: units.map((u) => Uint8Array.from(u)),
});

test('an access unit packs into one transferable buffer and unpacks to the same units', () => {
  // Units as views into one larger buffer (as the PS assembler's slabs give them).
  const slab = Uint8Array.from([0xff, 0x67, 0x42, 0x00, 0x1f, 0xee, 0x68, 0xce, 0x65, 0x88, 0x84, 0xff]);
  const au: AccessUnit = {
    codec: 'H264',
    pts: 2 ** 33 + 3600,
    dts: 2 ** 33,
    keyframe: true,
    units: [slab.subarray(1, 5), slab.subarray(6, 8), slab.subarray(8, 11), slab.subarray(11, 11)],
  };
  const m = packAccessUnit('cam#h264', au);
  assert.equal(Buffer.from(m.data).toString('hex'), '6742001f68ce658884');
  assert.deepEqual(m.lengths, [4, 2, 3, 0]);
  const back = unpackAccessUnit(structuredClone(m, { transfer: [m.data] }));
  assert.deepEqual(
    back.units.map((u) => Buffer.from(u).toString('hex')),
    au.units.map((u) => Buffer.from(u).toString('hex')),
  );
  assert.equal(back.pts, au.pts);
  assert.equal(back.dts, au.dts);
  assert.equal(back.keyframe, true);
  assert.equal(back.codec, 'H264');
  assert.equal(m.data.byteLength, 0, 'the buffer was transferred, not copied');
});

test('random access units survive the round trip', () => {
  for (let i = 0; i < 500; i++) {
    const units = Array.from({ length: 1 + Math.floor(Math.random() * 6) }, () =>
      Uint8Array.from({ length: Math.floor(Math.random() * 300) }, () => Math.floor(Math.random() * 256)),
    );
    const au: AccessUnit = { codec: 'PCMA', pts: i * 320, dts: i * 320, keyframe: true, units };
    const back = unpackAccessUnit(structuredClone(packAccessUnit('f', au)));
    assert.deepEqual(
      back.units.map((u) => [...u]),
      units.map((u) => [...u]),
    );
  }
});

test('a worker that falls behind skips to the next keyframe, counted by the hub', () => {
  const stream = new Stream({
    id: 'cam',
    source: { start: async () => {}, stop: () => {} },
    idleStopMs: Infinity,
  });
  const posted: AuMessage[] = [];
  let lag = 0;
  const target = {
    post: (m: ToWorker) => {
      if (m.type === 'au') {
        posted.push(m);
      }
    },
    lagBytes: () => lag,
    sent: (n: number) => void (lag += n),
  };
  const feed = new WorkerFeed('cam', stream, target, 1000, () => {});
  stream.publish(h264(0, true, [0x65, 1, 2]));
  stream.publish(h264(3600, false, [0x41, 1]));
  assert.equal(posted.length, 2);
  lag = 5000; // the worker stopped consuming
  stream.publish(h264(7200, false, [0x41, 2]));
  stream.publish(h264(10800, false, [0x41, 3]));
  assert.equal(posted.length, 2, 'nothing queued while behind');
  assert.equal(stream.info.congestionSkips, 1, 'one skip to the next keyframe');
  lag = 0; // caught up: the next frame sent is a keyframe
  stream.publish(h264(14400, false, [0x41, 4]));
  stream.publish(h264(18000, true, [0x65, 5]));
  assert.deepEqual(
    posted.map((m) => m.keyframe),
    [true, false, true],
  );
  feed.release();
  assert.equal(stream.info.viewers, 0);
  stream.close('test-end');
});

test('the end of the main stream reaches the worker; a release does not', () => {
  const messages: ToWorker[] = [];
  const target = { post: (m: ToWorker) => void messages.push(m), lagBytes: () => 0, sent: () => {} };
  const a = new Stream({ id: 'a', source: { start: async () => {}, stop: () => {} } });
  let closed = 0;
  new WorkerFeed('a', a, target, 1000, () => closed++);
  a.close('bye');
  assert.deepEqual(messages, [{ type: 'feed-closed', feed: 'a', cause: 'stream-closed' }]);
  assert.equal(closed, 1);
  const b = new Stream({ id: 'b', source: { start: async () => {}, stop: () => {} }, idleStopMs: Infinity });
  const feed = new WorkerFeed('b', b, target, 1000, () => closed++);
  feed.release();
  b.close('bye');
  assert.equal(messages.length, 1);
  assert.equal(closed, 1);
});
