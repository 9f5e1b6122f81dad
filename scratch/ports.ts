import express from 'express';
import type { AddressInfo } from 'node:net';
import { Stream } from '/work/wt-hardening/gateway/hub/stream.js';
import { CHROMIUM_FULL_OFFER } from '/work/wt-hardening/gateway/outputs/webrtc/fixtures/chromium-offers.js';
import { whepRouter } from '/work/wt-hardening/gateway/outputs/webrtc/whep-router.js';
const s = new Stream({ id: 'cam', source: { start: async () => {}, stop: () => {} }, idleStopMs: Infinity, noMediaTimeoutMs: 0 });
s.publish({ codec: 'H264', pts: 0, dts: 0, keyframe: true, units: [Uint8Array.from([0x67, 0x42, 0xc0, 0x1e, 0x8c, 0x8d, 0x40, 0x50, 0x17, 0xfc, 0xb0, 0x0f, 0x08, 0x84, 0x6a]), Uint8Array.from([0x68,0xce,0x3c,0x80]), Uint8Array.from([0x65, 0x88, 0x80])] });
const router = whepRouter({ resolveStream: () => s, publicIp: '127.0.0.1', webrtc: { portRange: { min: 41200, max: 41202 } } });
const app = express(); app.use(router);
const server = app.listen(0, '127.0.0.1', async () => {
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  for (let i = 0; i < 5; i++) {
    const r = await fetch(`${base}/whep/cam`, { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: CHROMIUM_FULL_OFFER });
    console.log(i, r.status, (await r.text()).slice(0, 200));
  }
  process.exit(0);
});
