import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AccessUnit } from '../../../codecs/types.js';
import type { PlaybackControl, RecordItem, StreamView } from '../../views/services.js';
import { GatewayError } from '../../errors.js';
import { createLogger } from '../../log.js';
import { Stream } from '../../hub/stream.js';
import { isMediaRefusal, type MediaRefusal, type MediaSource } from '../lower/backend.js';
import type { PtzCommand } from '../ptz.js';
import { GatewayBackend } from './gateway-backend.js';
import type { LocalGateway } from './local-gateway.js';
import type { SharedCatalog } from './shared-catalog.js';

const NVR = '34020000001180000001';
const CH = '34020000001310000001';
/** What the upper calls our channel (a share with asId). */
const PRESENTED = '34020000001310009001';

const idr = (dts: number): AccessUnit => ({
  codec: 'H264',
  pts: dts,
  dts,
  keyframe: true,
  units: [Uint8Array.of(0x65, 0x88, 0x84)],
});

/** A LocalGateway whose streams are real hubs fed by the test, recording every call. */
class FakeGateway implements LocalGateway {
  readonly calls: string[] = [];
  relayTalk?: LocalGateway['relayTalk'];
  readonly streams = new Map<string, Stream>();
  fail: Error | undefined;
  records: RecordItem[] = [];

  #open(id: string): StreamView {
    if (this.fail) {
      throw this.fail;
    }
    const stream =
      this.streams.get(id) ??
      new Stream({
        id,
        source: { start: () => Promise.resolve(), stop: () => this.calls.push(`source-stop ${id}`) },
        idleStopMs: Infinity,
      });
    this.streams.set(id, stream);
    return { streamId: id } as StreamView;
  }
  startLive(d: string, c: string): Promise<StreamView> {
    this.calls.push(`live ${d} ${c}`);
    return Promise.resolve().then(() => this.#open(`${d}_${c}`));
  }
  startPlayback(d: string, c: string, start: Date, end: Date): Promise<StreamView> {
    this.calls.push(`playback ${d} ${c} ${start.toISOString()} ${end.toISOString()}`);
    return Promise.resolve().then(() => this.#open(`${d}_${c}_pb1`));
  }
  controlPlayback(id: string, c: PlaybackControl): Promise<void> {
    this.calls.push(`control ${id} ${JSON.stringify(c)}`);
    return Promise.resolve();
  }
  stopStream(id: string): Promise<void> {
    this.calls.push(`stop ${id}`);
    this.streams.get(id)?.close('stopped-by-api');
    return Promise.resolve();
  }
  queryRecords(d: string, c: string, start: Date, end: Date): Promise<RecordItem[]> {
    this.calls.push(`records ${d} ${c} ${start.toISOString()} ${end.toISOString()}`);
    return this.fail ? Promise.reject(this.fail) : Promise.resolve(this.records);
  }
  ptzCommand(d: string, c: string, command: PtzCommand): Promise<void> {
    this.calls.push(`ptz ${d} ${c} ${command.type}`);
    return Promise.resolve();
  }
  stream(id: string): Stream | undefined {
    return this.streams.get(id);
  }
}

const catalog: SharedCatalog = {
  channels: [{ channelId: PRESENTED, name: '东门', online: true }],
  sources: new Map([[PRESENTED, { deviceId: NVR, channelId: CH }]]),
};

function setup() {
  const gateway = new FakeGateway();
  const backend = new GatewayBackend({
    gateway,
    catalog: () => catalog,
    deviceInfo: { deviceName: 'gw', manufacturer: 'm', model: 'x', firmware: '1' },
    localId: '34020000002000000009',
    label: 'cascade:test',
    log: createLogger('test'),
  });
  return { gateway, backend };
}

async function opened(result: Promise<MediaSource | MediaRefusal>): Promise<MediaSource> {
  const r = await result;
  assert.ok(!isMediaRefusal(r), JSON.stringify(r));
  return r;
}

test("a live INVITE becomes one more viewer of our channel's stream; its end leaves the stream to others", async () => {
  const { gateway, backend } = setup();
  const source = await opened(backend.openMedia(PRESENTED, { kind: 'live', scale: 1 }));
  assert.deepEqual(gateway.calls, [`live ${NVR} ${CH}`]);
  const stream = gateway.streams.get(`${NVR}_${CH}`)!;
  const got: number[] = [];
  source.start(
    (au) => got.push(au.dts),
    () => assert.fail('live never ends as a file'),
  );
  assert.equal(stream.info.viewers, 1);
  stream.publish(idr(3600));
  stream.publish(idr(7200));
  assert.deepEqual(got, [3600, 7200]);
  assert.equal(backend.openSources, 1);
  source.close();
  source.close();
  assert.equal(stream.info.viewers, 0);
  assert.equal(backend.openSources, 0);
  assert.equal(stream.closed, false, 'the stream stays for its other viewers (or its idle grace)');
  assert.deepEqual(gateway.calls, [`live ${NVR} ${CH}`]);
});

test('our stream closing under a live dialog is a failure (BYE), not an end of file', async () => {
  const { gateway, backend } = setup();
  const source = await opened(backend.openMedia(PRESENTED, { kind: 'live', scale: 1 }));
  const errors: string[] = [];
  source.start(
    () => {},
    () => assert.fail('not an end of file'),
    (reason) => errors.push(reason),
  );
  gateway.streams.get(`${NVR}_${CH}`)!.close('device offline: keepalive timeout');
  assert.deepEqual(errors, [`our stream ${NVR}_${CH} closed: device offline: keepalive timeout`]);
});

test('a playback INVITE opens its own stream; INFO controls are forwarded; end of file is reported; its end stops the stream', async () => {
  const { gateway, backend } = setup();
  const startMs = Date.parse('2025-04-18T02:30:00Z');
  const source = await opened(
    backend.openMedia(PRESENTED, { kind: 'playback', startMs, endMs: startMs + 600_000, scale: 1 }),
  );
  const id = `${NVR}_${CH}_pb1`;
  let ended = 0;
  source.start(
    () => {},
    () => ended++,
    () => assert.fail('end of file is not a failure'),
  );
  source.pause();
  source.resume();
  source.setScale(2);
  source.seek(379);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(gateway.calls, [
    `playback ${NVR} ${CH} 2025-04-18T02:30:00.000Z 2025-04-18T02:40:00.000Z`,
    `control ${id} {"action":"pause"}`,
    `control ${id} {"action":"resume"}`,
    `control ${id} {"action":"scale","scale":2}`,
    `control ${id} {"action":"seek","position":379}`,
  ]);
  gateway.streams.get(id)!.close('end-of-file');
  assert.equal(ended, 1);
  source.close();
  assert.equal(gateway.calls.at(-1), `stop ${id}`);
});

test('refusals carry a SIP status: not shared 404, download 488, device offline 480, timeout 504, other 500', async () => {
  const { gateway, backend } = setup();
  const status = async (id: string, kind: 'live' | 'download' = 'live') =>
    ((await backend.openMedia(id, { kind, scale: 1 })) as MediaRefusal).status;
  assert.equal(await status(CH), 404, 'our own channel ID is not what we shared');
  assert.equal(await status(PRESENTED, 'download'), 488);
  gateway.fail = new GatewayError('GW_ERR_DEVICE_OFFLINE');
  assert.equal(await status(PRESENTED), 480);
  gateway.fail = new GatewayError('GW_ERR_DEVICE_TIMEOUT');
  assert.equal(await status(PRESENTED), 504);
  gateway.fail = new Error('boom');
  assert.equal(await status(PRESENTED), 500);
  assert.equal(backend.stats.mediaRefused, 5);
});

test('RecordInfo and PTZ go to our device under its own IDs; records come back under the presented ID', async () => {
  const { gateway, backend } = setup();
  gateway.records = [
    {
      start: '2025-04-18T02:23:02.000Z',
      end: '2025-04-18T02:40:20.000Z',
      name: 'Gate-1',
      filePath: 'ch01_1',
      type: 'alarm',
      secrecy: '0',
    },
    {
      start: '2025-04-18T02:40:20.000Z',
      end: '2025-04-18T02:57:36.000Z',
      name: null,
      filePath: null,
      type: 'weird',
      secrecy: null,
    },
  ];
  const from = Date.parse('2025-04-18T00:00:00Z');
  const records = await backend.records(PRESENTED, from, from + 86_399_000);
  assert.deepEqual(records, [
    {
      channelId: PRESENTED,
      name: 'Gate-1',
      startMs: Date.parse('2025-04-18T02:23:02Z'),
      endMs: Date.parse('2025-04-18T02:40:20Z'),
      type: 'alarm',
      filePath: 'ch01_1',
    },
    {
      channelId: PRESENTED,
      name: PRESENTED,
      startMs: Date.parse('2025-04-18T02:40:20Z'),
      endMs: Date.parse('2025-04-18T02:57:36Z'),
      type: 'time',
    },
  ]);
  await backend.ptz(PRESENTED, { type: 'stop' });
  await backend.ptz(CH, { type: 'stop' }); // not shared under that ID: ignored
  assert.deepEqual(gateway.calls.slice(1), [`ptz ${NVR} ${CH} stop`]);
  gateway.fail = new GatewayError('GW_ERR_DEVICE_TIMEOUT');
  assert.deepEqual(
    await backend.records(PRESENTED, from, from + 1000),
    [],
    'a failed query answers empty at once',
  );
});

test("the upper's Broadcast to a shared channel becomes our own talk to the device behind it; others are refused", async () => {
  const { gateway, backend } = setup();
  assert.equal(isMediaRefusal(await backend.openSpeaker(PRESENTED)), true, 'voice off: refused');
  const frames: number[] = [];
  let closedBecause = '';
  const relays: string[] = [];
  gateway.relayTalk = (d, c) => {
    relays.push(`${d} ${c}`);
    return Promise.resolve(
      c === CH
        ? { write: (f) => frames.push(f.payload[0]), close: (reason) => (closedBecause = reason) }
        : { refused: 'busy' },
    );
  };
  const unshared = await backend.openSpeaker('34020000001310000099');
  assert.ok(isMediaRefusal(unshared) && unshared.status === 404);
  const speaker = await backend.openSpeaker(PRESENTED);
  assert.ok(!isMediaRefusal(speaker));
  assert.deepEqual(relays, [`${NVR} ${CH}`], 'the presented ID is mapped back to our channel');
  speaker.write({ law: 'PCMA', payload: Uint8Array.of(7) });
  speaker.close('bye-received');
  assert.deepEqual(frames, [7]);
  assert.equal(closedBecause, 'bye-received');
  assert.equal(backend.stats.broadcastsRelayed, 1);
});
