// CPU per packet of one viewer's WebRTC send path, in one process, with no peers: RTP header,
// SRTP, dgram send to a closed loopback port (the kernel does the whole send, then drops it).
// Two paths, alternated in rounds so both see the same machine load:
//   werift  what the gateway did before issue #19: RtpHeader + RtpPacket per packet and
//           werift's SrtpSession.encrypt (a cipher object and three concatenations per packet)
//   own     RtpWriter → SrtpTrackSender → srtp-protect.ts (keys once, reused buffers)
// for both DTLS-SRTP profiles werift negotiates. CPU is process.cpuUsage (user + system).
//
//   npx tsc -p tsconfig.json && node dist/bench/send-path.js [packets per round, default 20000]
import { createSocket, type Socket } from 'node:dgram';
import { randomBytes } from 'node:crypto';
import { loadavg } from 'node:os';
import { RtpHeader, RtpPacket, SrtpSession, type RTCDtlsTransport } from 'werift';
import { PacketizeCache, type PacketizedAu } from '../gateway/outputs/webrtc/packetize-cache.js';
import { RtpWriter } from '../gateway/outputs/webrtc/rtp-writer.js';
import { SrtpTrackSender } from '../gateway/outputs/webrtc/srtp-sender.js';

const PROFILES = { AEAD_AES_128_GCM: 0x0007, AES_CM_128_HMAC_SHA1_80: 0x0001 } as const;
const ROUNDS = 7;

async function closedPort(): Promise<number> {
  const s = createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise<void>((r) => s.close(r));
  return port;
}

/** A 1080p-sized access unit (≈ 60 kB: 50 RTP packets at MTU 1200), packetized once as the gateway does. */
function sampleAu(): PacketizedAu {
  const nal = randomBytes(60_000);
  nal[0] = 0x65; // IDR slice (ITU-T H.264 Table 7-1)
  const au = new PacketizeCache().get({ codec: 'H264', pts: 0, dts: 0, keyframe: true, units: [nal] });
  if (!au) {
    throw new Error('packetizer returned nothing');
  }
  return au;
}

/**
 * CPU in µs of `aus` calls of `sendAu`, one per event-loop turn as the fan-out scheduler runs
 * them (a burst of thousands would fill the socket buffer and measure Node's EAGAIN queue),
 * send completions included.
 */
async function cpuMicros(sendAu: () => void, aus: number): Promise<number> {
  const t0 = process.cpuUsage();
  for (let a = 0; a < aus; a++) {
    sendAu();
    await new Promise((res) => setImmediate(res));
  }
  const t = process.cpuUsage(t0);
  return t.user + t.system;
}

function fakeDtls(socket: Socket, port: number, srtp: SrtpSession): RTCDtlsTransport {
  return {
    state: 'connected',
    srtp,
    iceTransport: {
      connection: {
        nominated: { protocol: { transport: { socket, closed: false } }, remoteAddr: ['127.0.0.1', port] },
      },
    },
  } as unknown as RTCDtlsTransport;
}

async function main(): Promise<void> {
  const packetsPerRound = Number(process.argv[2] ?? 20_000);
  const port = await closedPort();
  const socket = createSocket('udp4');
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  const au = sampleAu();
  const aus = Math.ceil(packetsPerRound / au.slots.length);
  const packets = aus * au.slots.length;
  const ignore = (): void => {};
  console.log(
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(
        ' ',
      )}; ${packets} packets of ≤ 1200 B per round (one AU of ${au.slots.length} per event-loop turn), ${ROUNDS} rounds, median µs of CPU per packet`,
  );
  for (const [name, profile] of Object.entries(PROFILES)) {
    const keys = {
      localMasterKey: randomBytes(16),
      localMasterSalt: randomBytes(profile === 0x0007 ? 12 : 14),
      remoteMasterKey: randomBytes(16),
      remoteMasterSalt: randomBytes(profile === 0x0007 ? 12 : 14),
    };
    const session = new SrtpSession({ profile, keys });
    // Before: werift's objects and encryptor per packet, as srtp-sender.ts did at 9330cb7.
    let seq = 0;
    const werift = (): void => {
      {
        for (const slot of au.slots) {
          const header = new RtpHeader();
          header.payloadType = 108;
          header.sequenceNumber = seq = (seq + 1) & 0xffff;
          header.timestamp = 1234;
          header.marker = slot.marker;
          header.ssrc = 0x1234;
          const packet = new RtpPacket(header, slot.payload);
          socket.send(session.encrypt(packet.payload, packet.header), port, '127.0.0.1', ignore);
        }
      }
    };
    const writer = new RtpWriter(new SrtpTrackSender(fakeDtls(socket, port, session), 0x1234, 90_000), 108);
    const own = (): void => writer.write(au);
    const times = { werift: [] as number[], own: [] as number[] };
    await cpuMicros(werift, 50); // warm-up
    await cpuMicros(own, 50);
    for (let r = 0; r < ROUNDS; r++) {
      times.werift.push((await cpuMicros(werift, aus)) / packets);
      times.own.push((await cpuMicros(own, aus)) / packets);
    }
    const median = (xs: number[]): number => [...xs].sort((x, y) => x - y)[xs.length >> 1];
    const w = median(times.werift);
    const o = median(times.own);
    console.log(
      `${name.padEnd(24)} werift ${w.toFixed(2)} µs   own ${o.toFixed(2)} µs   own ÷ werift ${(o / w).toFixed(2)}`,
    );
  }
  socket.close();
}

void main();
