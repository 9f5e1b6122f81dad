// The file-descriptor exhaustion scenario of issue #20 point 7, shared by its short version
// (npm test) and its long one (npm run test:long): the gateway CLI as a child process under an
// open-file limit of 1024 (prlimit), a simulated device streaming live to a WebRTC viewer and an
// HLS reader, a device registered over SIP/TCP, then `httpSockets` slow HTTP connections (a
// request line and one header, then one more header line every 2 s: a slowloris) and `sipSockets`
// idle SIP/TCP connections, opened from many loopback addresses. While they are held, the check
// runs every second: /api/health answers on a new connection, the TCP device's keepalive gets its
// 200, the viewer keeps receiving frames, the HLS playlist keeps moving, and the gateway's
// descriptors stay below its limit.
import { get } from 'node:http';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSimulator, type Simulator } from '../../simulator/index.js';
import { spawnGateway, type GatewayProcess } from './gateway-process.js';
import { freePort } from './ports.js';
import { SipPeer } from './sip-peer.js';
import { sleep, waitFor } from './wait.js';
import { WeriftViewer } from './werift-viewer.js';

export interface FloodScenario {
  httpSockets: number;
  sipSockets: number;
  /** How long the connections are held while the checks run. */
  holdSeconds: number;
  openFiles: number;
  /** Open a slow connection again as soon as the gateway closes one (a sustained attack). */
  reopen?: boolean;
}

export interface FloodSecond {
  healthMs: number | null;
  keepalive: number | null;
  frames: number;
  /** The playlist's newest media URI (segment or part), null when it did not answer. */
  hlsHead: string | null;
  fds: number;
}

export interface FloodResult {
  seconds: FloodSecond[];
  /** Slow connections the gateway had closed or refused when the hold ended. */
  httpClosed: number;
  sipClosed: number;
  limits: {
    http: { maxConnections: number; refused: Record<string, number> };
    sipTcp: { maxConnections: number; refused: Record<string, number> };
    openFiles: { soft: number | null };
  };
  refusalLines: number;
  lowLimitWarning: boolean;
  gatewayAlive: boolean;
}

const PASSWORD = 'fd-flood-device-pw';
const TOKEN = 'fd-flood-api-token-0123456789';
const TCP_DEVICE = '34020000001180000091';

/** A GET on a connection of its own (no keep-alive pool), as a browser opening the page would. */
function freshGet(url: string, timeoutMs: number): Promise<{ status: number; body: string } | null> {
  return new Promise((resolve) => {
    const req = get(url, { agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

interface Attack {
  sockets: Set<net.Socket>;
  closed: { http: number; sip: number };
  reopen: boolean;
  over: boolean;
}

/** One slow connection; counts itself closed when the gateway closes it, and comes back if asked. */
function slowSocket(port: number, from: string, kind: 'http' | 'sip', attack: Attack): void {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  attack.sockets.add(socket);
  socket.on('close', () => {
    attack.sockets.delete(socket);
    if (attack.over) {
      return;
    }
    attack.closed[kind]++;
    if (attack.reopen) {
      setTimeout(() => !attack.over && slowSocket(port, from, kind, attack), 100).unref();
    }
  });
  socket.on('error', () => {});
  socket.on('connect', () => {
    if (kind === 'http') {
      socket.write('GET /api/health HTTP/1.1\r\nHost: gateway\r\n');
      const trickle = setInterval(() => {
        if (socket.destroyed) {
          clearInterval(trickle);
        } else {
          socket.write('X-Slow: 1\r\n');
        }
      }, 2000);
      trickle.unref();
    }
  });
}

export async function runConnectionFlood(s: FloodScenario): Promise<FloodResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'gb-fd-flood-'));
  const sipPort = await freePort();
  const cleanup: (() => Promise<void> | void)[] = [() => rmSync(dataDir, { recursive: true, force: true })];
  let gw: GatewayProcess | undefined;
  let sim: Simulator | undefined;
  const attack: Attack = {
    sockets: new Set(),
    closed: { http: 0, sip: 0 },
    reopen: s.reopen ?? false,
    over: false,
  };
  try {
    gw = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN, openFiles: s.openFiles });
    const g = gw;
    cleanup.unshift(() => g.stop());
    sim = await startSimulator({
      server: { host: '127.0.0.1', port: sipPort },
      password: PASSWORD,
      devices: 1,
      channels: 1,
      keepaliveIntervalSec: 5,
    });
    const simulator = sim;
    cleanup.unshift(() => simulator.close());
    if (!(await sim.waitForRegistered(1, 15_000))) {
      throw new Error('the simulated device did not register');
    }
    const deviceId = sim.devices[0].deviceId;
    await waitFor(
      async () => (await g.api<unknown[]>(`/api/devices/${deviceId}/channels`)).body.length === 1,
      15_000,
      'the catalog',
    );
    const channelId = (await g.api<{ channelId: string }[]>(`/api/devices/${deviceId}/channels`)).body[0]
      .channelId;
    const tcpDevice = await SipPeer.start({
      deviceId: TCP_DEVICE,
      password: PASSWORD,
      gatewayPort: sipPort,
      transport: 'tcp',
    });
    cleanup.unshift(() => tcpDevice.close());
    if ((await tcpDevice.register()).final.status !== 200) {
      throw new Error('the TCP device did not register');
    }

    const live = await g.api<{ whep: string; hls: string }>(
      `/api/devices/${deviceId}/channels/${channelId}/live`,
      {
        method: 'POST',
      },
    );
    if (live.status !== 200) {
      throw new Error(`live: ${live.status} ${JSON.stringify(live.body)}`);
    }
    const viewer = new WeriftViewer({ url: g.httpBase + live.body.whep });
    cleanup.unshift(() => viewer.close());
    if ((await viewer.connect()) !== 201) {
      throw new Error(`WHEP: ${viewer.status} ${JSON.stringify(viewer.errorBody)}`);
    }
    await viewer.connected();
    await waitFor(() => viewer.counts.videoFrames > 10, 10_000, 'frames at the viewer');
    const hlsUrl = g.httpBase + live.body.hls;
    const hlsHead = async (): Promise<string | null> => {
      // The live answer names the multivariant playlist; the media playlist is the one that moves.
      const index = await freshGet(hlsUrl, 3000);
      const media = index?.status === 200 ? /^[^#\s].*\.m3u8.*$/m.exec(index.body)?.[0] : undefined;
      const r = media ? await freshGet(new URL(media, hlsUrl).href, 3000) : null;
      if (r?.status !== 200) {
        return null;
      }
      const uris = [...r.body.matchAll(/URI="([^"]+)"|^([^#\s][^\s]*)$/gm)].map((m) => m[1] ?? m[2]);
      return uris.filter((u) => u && !u.includes('init')).pop() ?? null;
    };
    await waitFor(hlsHead, 15_000, 'an HLS playlist');

    // The flood: from many addresses, so the total caps are what is tested, not only the per-address one.
    const httpPort = Number(new URL(g.httpBase).port);
    for (let i = 0; i < s.httpSockets; i++) {
      slowSocket(httpPort, `127.0.${1 + (i % 11)}.${2 + (Math.floor(i / 11) % 200)}`, 'http', attack);
      if (i % 50 === 49) {
        await sleep(10);
      }
    }
    for (let i = 0; i < s.sipSockets; i++) {
      slowSocket(sipPort, `127.1.${1 + (i % 7)}.${2 + (Math.floor(i / 7) % 200)}`, 'sip', attack);
    }

    const seconds: FloodSecond[] = [];
    const pid = g.child.pid!;
    for (let t = 0; t < s.holdSeconds; t++) {
      const frames0 = viewer.counts.videoFrames;
      const started = performance.now();
      const [health, keepalive, head] = await Promise.all([
        freshGet(`${g.httpBase}/api/health`, 2000),
        tcpDevice.keepalive().then(
          (r) => r.status,
          () => null,
        ),
        hlsHead(),
      ]);
      const healthMs = health?.status === 200 ? Math.round(performance.now() - started) : null;
      await sleep(Math.max(0, 1000 - (performance.now() - started)));
      seconds.push({
        healthMs,
        keepalive,
        frames: viewer.counts.videoFrames - frames0,
        hlsHead: head,
        fds: readdirSync(`/proc/${pid}/fd`).length,
      });
    }
    const limits = (await g.api<FloodResult['limits']>('/api/limits')).body;
    return {
      seconds,
      httpClosed: attack.closed.http,
      sipClosed: attack.closed.sip,
      limits,
      refusalLines: g.logged(/connection (refused|cap reached)/i).length,
      lowLimitWarning: g.logged(/open-file limit is low/).length === 1,
      gatewayAlive: g.child.exitCode === null && g.child.signalCode === null,
    };
  } finally {
    attack.over = true;
    for (const socket of attack.sockets) {
      socket.destroy();
    }
    for (const c of cleanup) {
      await c();
    }
  }
}
