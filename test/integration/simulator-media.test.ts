// INVITE → RTP from the simulated lower platform (docs/gb28181.md §7, §8, §10): live over UDP, TCP
// passive and TCP active, the y= SSRC in the RTP header, BYE stopping the stream, CANCEL,
// playback with MANSRTSP PAUSE/PLAY and MediaStatus 121 at the end of the range, vendor SSRC quirks.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { startSimulator, type Simulator, type SimulatorOptions } from '../../simulator/index.js';
import { fixturePath } from '../../simulator/options.js';
import { StandInUpper, type PlayHandle } from '../helpers/stand-in-upper.js';
import { waitFor } from '../helpers/wait.js';

const DEVICE = '34020000001180000001';
const CH1 = '34020000001310000001';
const CH2 = '34020000001310000002';
const open: { close(): Promise<void> }[] = [];
after(async () => {
  for (const x of open.reverse()) {
    await x.close();
  }
});

async function setup(
  simOpts: Partial<SimulatorOptions> = {},
): Promise<{ upper: StandInUpper; sim: Simulator }> {
  const upper = await StandInUpper.start();
  open.push(upper);
  const sim = await startSimulator({ server: { host: '127.0.0.1', port: upper.port }, ...simOpts });
  open.push(sim);
  assert.equal(await sim.waitForRegistered(1, 5000), true);
  return { upper, sim };
}

/**
 * BYE ends the device's session and releases its media source; the receiver gets exactly the
 * packets the device counted for the session (the ones in flight at the BYE included), no more.
 */
async function stopsAfterBye(sim: Simulator, play: PlayHandle): Promise<void> {
  let sent: number | undefined;
  const off = sim.devices[0].platform.on('sessionEnd', (info) => (sent = info.packets));
  const res = await play.bye();
  assert.equal(res?.status, 200);
  await waitFor(
    () => sent !== undefined && sim.devices[0].platform.sessions.length === 0,
    2000,
    'session end',
  );
  off();
  assert.equal(sim.devices[0].backend.openStreams().length, 0, 'the media source was released');
  await waitFor(() => play.receiver.packets >= sent!, 2000, 'the packets in flight');
  assert.equal(play.receiver.packets, sent, 'no RTP after the session ended');
  play.close();
}

test('live over UDP: 200 answers sendonly PS with the offered y=, RTP carries that SSRC, BYE stops it', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH1, { transport: 'udp', ssrc: '0200000123' });
  assert.equal(play.status, 200);
  assert.equal(play.answer?.answeredSsrc, '0200000123');
  assert.deepEqual(play.answer?.payloadTypes, [96]);
  assert.equal(play.contactUser, DEVICE);
  await waitFor(() => play.receiver.packets > 50, 3000, 'RTP');
  assert.deepEqual([...play.receiver.ssrcs.keys()], [200000123]);
  assert.deepEqual([...play.receiver.payloadTypes], [96]);
  assert.equal(play.receiver.lost, 0);
  // The PS stream carries the channel's H.264 clip (keyframe first) and G.711 A-law audio.
  await waitFor(() => play.receiver.accessUnits.some((au) => au.codec === 'PCMA'), 2000, 'audio');
  const video = play.receiver.accessUnits.filter((au) => au.codec === 'H264');
  assert.ok(video.length > 5);
  assert.equal(video[0].keyframe, true);
  const info = sim.devices[0].platform.sessions[0];
  assert.equal(info.kind, 'live');
  assert.equal(info.transport, 'udp');
  await stopsAfterBye(sim, play);
});

test('live over TCP passive: the upper listens, the device dials and sends RFC 4571 framed RTP', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH2, { transport: 'tcp-passive' });
  assert.equal(play.status, 200);
  assert.equal(play.answer?.transport.protocol, 'tcp');
  assert.equal(play.answer?.transport.protocol === 'tcp' && play.answer.transport.setup, 'active');
  await waitFor(() => play.receiver.packets > 50, 3000, 'RTP over TCP');
  assert.deepEqual([...play.receiver.ssrcs.keys()], [200000001]);
  assert.equal(play.receiver.lost, 0);
  await stopsAfterBye(sim, play);
});

test('live over TCP active: the device listens on the port in its answer and the upper dials', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH1, { transport: 'tcp-active' });
  assert.equal(play.status, 200);
  assert.equal(play.answer?.transport.protocol === 'tcp' && play.answer.transport.setup, 'passive');
  assert.ok(play.receiver.connected);
  await waitFor(() => play.receiver.packets > 20, 3000, 'RTP over TCP active');
  await stopsAfterBye(sim, play);
});

test('media starts only after the ACK', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH1, { transport: 'udp', skipAck: true });
  assert.equal(play.status, 200);
  // The session exists, answered; its media has not started and sent nothing.
  const session = () => sim.devices[0].platform.sessions[0];
  assert.equal(session().started, false, 'media started before the ACK');
  assert.equal(session().packets, 0);
  assert.equal(play.receiver.packets, 0, 'no media before the ACK');
  play.ack();
  await waitFor(() => play.receiver.packets > 0, 2000, 'RTP after ACK');
  await play.bye();
  play.close();
});

test('dahua profile: media before the ACK, and RTP SSRC 0 whatever y= says', async () => {
  const { upper, sim } = await setup({ vendor: 'dahua' });
  const play = await upper.play(DEVICE, CH1, { transport: 'udp', skipAck: true });
  assert.equal(play.answer?.answeredSsrc, '0200000001');
  assert.equal(sim.devices[0].platform.sessions[0].started, true, 'dahua: media with the 200');
  await waitFor(() => play.receiver.packets > 10, 2000, 'RTP before ACK');
  assert.deepEqual([...play.receiver.ssrcs.keys()], [0]);
  play.ack();
  await play.bye();
  play.close();
});

test('answerSsrc own: the 200 carries the device-chosen y= and RTP uses it', async () => {
  const { upper } = await setup({ answerSsrc: 'own' });
  const play = await upper.play(DEVICE, CH1, { transport: 'udp', ssrc: '0200000001' });
  assert.ok(play.answer?.ssrcChanged);
  const own = Number(play.answer.answeredSsrc);
  await waitFor(() => play.receiver.packets > 10, 2000, 'RTP');
  assert.deepEqual([...play.receiver.ssrcs.keys()], [own]);
  await play.bye();
  play.close();
});

test('unknown channels get 404; an unreadable offer gets 488; CANCEL before the answer gives 487', async () => {
  const { upper, sim } = await setup();
  const missing = await upper.play(DEVICE, '34020000001319999999', { transport: 'udp' });
  assert.equal(missing.status, 404);

  const reg = upper.registrations.get(DEVICE)!;
  const uri = `sip:${CH1}@${reg.remote.address}:${reg.remote.port}`;
  const garbage = upper.ua.createRequest({
    method: 'INVITE',
    requestUri: uri,
    to: uri,
    body: 'v=0\r\nm=video x\r\n',
    contentType: 'APPLICATION/SDP',
  });
  assert.equal((await upper.ua.request(garbage, reg.remote)).status, 488);

  // TCP passive toward a port nobody listens on: the device keeps dialing (2022 Annex D: three
  // retries 1 s apart), so the CANCEL arrives while it is still preparing its answer.
  const cancelled = await upper.play(DEVICE, CH1, {
    transport: 'tcp-passive',
    unreachable: true,
    cancelAfterMs: 300,
  });
  assert.equal(cancelled.status, 487);
  await waitFor(
    () => sim.devices[0].platform.sessions.length === 0 && sim.devices[0].backend.openStreams().length === 0,
    2000,
    'the session to end and its media source to be released',
  );
});

test('playback: MANSRTSP PAUSE stops media, PLAY resumes, Scale speeds up; MediaStatus 121 in-dialog ends it', async () => {
  const { upper, sim } = await setup();
  const endSec = Math.floor(Date.now() / 1000) - 3600;
  const play = await upper.play(DEVICE, CH1, {
    transport: 'udp',
    kind: 'playback',
    startSec: endSec - 3,
    endSec,
  });
  assert.equal(play.status, 200);
  assert.equal(play.answer?.answeredSsrc, '1200000001');
  await waitFor(() => play.receiver.packets > 10, 2000, 'RTP');

  assert.equal((await play.info({ method: 'PAUSE', pauseTime: 'now' })).status, 200);
  // Paused on the device: its player stopped and the session's packet count holds; the receiver
  // gets exactly what was sent before the PAUSE.
  const source = sim.devices[0].backend.openStreams(CH1)[0];
  assert.equal(source.isPaused, true);
  const sent = sim.devices[0].platform.sessions[0].packets;
  await waitFor(() => play.receiver.packets >= sent, 2000, 'the packets in flight at the PAUSE');
  assert.equal(play.receiver.packets, sent, 'no media while paused');
  assert.equal(sim.devices[0].platform.sessions[0].packets, sent, 'the device sent nothing while paused');
  assert.equal((await play.info({ method: 'PLAY', range: { start: 'now' } })).status, 200);
  assert.equal((await play.info({ method: 'PLAY', scale: 4 })).status, 200);
  assert.equal(sim.devices[0].backend.openStreams(CH1)[0].scale, 4);

  // 3 s of media at 4x after the pause: MediaStatus 121 arrives inside the dialog, then our BYE.
  const status = await waitFor(() => upper.messagesOf('MediaStatus')[0], 4000, 'MediaStatus 121');
  assert.equal(status.message.notifyType, '121');
  assert.equal(status.inDialog, true);
  assert.equal(status.callId, play.invite.headers.get('call-id'));
  await waitFor(() => sim.devices[0].platform.sessions.length === 0, 2000, 'session closed by BYE');
  play.close();
});

test('download: s=Download answers with a=filesize and ends with MediaStatus 121', async () => {
  const { upper } = await setup();
  const endSec = Math.floor(Date.now() / 1000) - 7200;
  const play = await upper.play(DEVICE, CH2, {
    transport: 'tcp-passive',
    kind: 'download',
    startSec: endSec - 4,
    endSec,
    downloadSpeed: 4,
  });
  assert.equal(play.status, 200);
  assert.ok((play.answer?.fileSize ?? 0) > 0);
  await waitFor(() => upper.messagesOf('MediaStatus')[0], 4000, 'MediaStatus 121 after ~1 s at 4x');
  assert.ok(play.receiver.packets > 50);
  play.close();
});

test('IFameCmd makes the next video access unit a keyframe (the clip has one every 2 s)', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH1, { transport: 'udp' });
  await waitFor(
    () => play.receiver.accessUnits.filter((au) => au.codec === 'H264').length > 5,
    2000,
    'video',
  );
  const keyframes = () => play.receiver.accessUnits.filter((au) => au.codec === 'H264' && au.keyframe).length;
  const before = keyframes();
  await upper.send(DEVICE, { kind: 'DeviceControl', sn: '77', deviceId: CH1, command: { type: 'IFameCmd' } });
  await waitFor(() => keyframes() > before, 500, 'a forced keyframe');
  assert.equal(sim.devices[0].backend.stats.keyframeRequests, 1);
  const video = play.receiver.accessUnits.filter((au) => au.codec === 'H264');
  assert.ok(
    video.every((au, i) => i === 0 || au.dts > video[i - 1].dts),
    'timestamps stay continuous',
  );
  await play.bye();
  play.close();
});

test('an H.265 clip is streamed as H.265 in PS', async () => {
  const { upper } = await setup({
    media: [fixturePath('h265-testsrc2.h265')],
    audio: fixturePath('sine660.g711u'),
  });
  const play = await upper.play(DEVICE, CH1, { transport: 'udp' });
  await waitFor(() => play.receiver.accessUnits.length > 10, 3000, 'access units');
  const codecs = new Set(play.receiver.accessUnits.map((au) => au.codec));
  assert.deepEqual([...codecs].sort(), ['H265', 'PCMU']);
  await play.bye();
  play.close();
});

test('the device hangs up its own sessions with BYE when it shuts down', async () => {
  const { upper, sim } = await setup();
  const play = await upper.play(DEVICE, CH1, { transport: 'udp' });
  await waitFor(() => play.receiver.packets > 0, 2000, 'RTP');
  await sim.close();
  await waitFor(() => play.byeFromDevice, 2000, 'BYE from the device');
  play.close();
});
