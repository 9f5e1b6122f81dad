import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RtpPacket } from 'werift';
import type { PacketizedAu } from './packetize-cache.js';
import { RtpWriter, viaWeriftSender, type OutgoingRtp, type RtpSendTarget } from './rtp-writer.js';

function recorder(): RtpSendTarget & { sent: OutgoingRtp[] } {
  const sent: OutgoingRtp[] = [];
  return {
    sent,
    send(p) {
      sent.push({ ...p }); // the writer reuses its record: a target copies what it keeps
    },
  };
}

const au = (timestamp: number, n: number): PacketizedAu => ({
  kind: 'video',
  bytes: n * 10,
  slots: Array.from({ length: n }, (_, i) => ({
    payload: Buffer.alloc(10, i),
    timestamp,
    marker: i === n - 1,
  })),
});

test('two viewers number the same shared payload bytes independently', () => {
  const a = recorder();
  const b = recorder();
  const wa = new RtpWriter(a, 108);
  const wb = new RtpWriter(b, 108);
  const shared = au(90_000, 3);
  wa.write(shared);
  wb.write(shared);
  assert.equal(a.sent.length, 3);
  assert.equal(b.sent.length, 3);
  for (let i = 0; i < 3; i++) {
    assert.equal(a.sent[i].payload, shared.slots[i].payload); // payload is shared, never copied
    assert.equal(b.sent[i].payload, shared.slots[i].payload);
    assert.equal(a.sent[i].payloadType, 108);
  }
  // Consecutive numbers per viewer from independent random starts (RFC 3550 §5.1).
  assert.equal((a.sent[2].sequenceNumber - a.sent[0].sequenceNumber) & 0xffff, 2);
  assert.equal((b.sent[2].sequenceNumber - b.sent[0].sequenceNumber) & 0xffff, 2);
});

test("through werift's RTCRtpSender each packet gets its own objects: werift's in-place rewrite of one cannot reach another", () => {
  const kept: RtpPacket[] = [];
  const target = viaWeriftSender({
    sendRtp: (p) => {
      kept.push(p);
      // What werift's RtpSender.sendRtp does to the object it then keeps for NACK (pitfall 5).
      p.header.ssrc = 0x11111111;
      p.header.sequenceNumber = 0;
      return Promise.resolve();
    },
  });
  const other = recorder();
  const shared = au(90_000, 2);
  new RtpWriter(target, 96).write(shared);
  const w = new RtpWriter(other, 96);
  w.write(shared);
  assert.equal(kept.length, 2);
  assert.notEqual(kept[0], kept[1]);
  assert.notEqual(kept[0].header, kept[1].header);
  assert.equal(kept[1].payload, shared.slots[1].payload);
  assert.equal(kept[1].header.marker, true);
  assert.ok(other.sent.every((p) => p.payloadType === 96));
  assert.equal((other.sent[1].sequenceNumber - other.sent[0].sequenceNumber) & 0xffff, 1);
});

test('sequence numbers run on per viewer across AUs and wrap at 2^16', () => {
  const t = recorder();
  const w = new RtpWriter(t, 96);
  (w as unknown as { seq: number }).seq = 0xfffe;
  w.write(au(0, 2));
  w.write(au(3600, 2));
  assert.deepEqual(
    t.sent.map((p) => p.sequenceNumber),
    [0xfffe, 0xffff, 0, 1],
  );
  assert.deepEqual(
    t.sent.map((p) => p.marker),
    [false, true, false, true],
  );
  assert.equal(w.packets, 4);
});

test('timestamps keep the media spacing under a random per-viewer offset', () => {
  const t = recorder();
  const w = new RtpWriter(t, 8);
  w.write(au(8000, 1));
  w.write(au(8160, 1));
  const [x, y] = t.sent.map((p) => p.timestamp);
  assert.equal((y - x + 2 ** 32) % 2 ** 32, 160);
  assert.ok(x >= 0 && x < 2 ** 32);
  // Two writers almost surely differ in offset (RFC 3550 §5.1 random start).
  const offsets = new Set(
    Array.from({ length: 8 }, () => {
      const r = recorder();
      new RtpWriter(r, 8).write(au(0, 1));
      return r.sent[0].timestamp;
    }),
  );
  assert.ok(offsets.size > 1);
});

test("through werift's RTCRtpSender, a rejected sendRtp promise is swallowed, not left unhandled", async () => {
  let unhandled = 0;
  const onUnhandled = () => unhandled++;
  process.on('unhandledRejection', onUnhandled);
  try {
    new RtpWriter(viaWeriftSender({ sendRtp: () => Promise.reject(new Error('socket closed')) }), 96).write(
      au(0, 2),
    );
    // Unhandled rejections are reported once the microtask queue drains, before the next macrotask.
    await new Promise((r) => setImmediate(r));
    assert.equal(unhandled, 0);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});
