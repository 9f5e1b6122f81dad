// Shared pieces of the scale-out tests (cluster-*.test.ts): a real redis-server (Debian package)
// on loopback with its own port and temp dir and no persistence, the gateway CLI in each role,
// and an HLS check that follows redirects and probes a segment with ffprobe.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { download, probeSegment, writeFragmentFile, type SegmentProbe } from './hls-probe.js';
import { spawnGateway, type GatewayProcess } from './gateway-process.js';
import { freePort } from './ports.js';

export interface RedisServer {
  url: string;
  port: number;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** `port`: start again where a stopped one listened (a Redis restart, empty: no persistence). */
export async function startRedis(opts: { port?: number } = {}): Promise<RedisServer> {
  const port = opts.port ?? (await freePort());
  const dir = mkdtempSync(join(tmpdir(), 'gb-redis-'));
  const child = spawn(
    '/usr/bin/redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--dir',
      dir,
      '--daemonize',
      'no',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${out}`)), 10_000);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      out += chunk;
      if (out.includes('Ready to accept connections')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`redis-server exited with ${code}: ${out}`));
    });
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    child,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ClusterNodeOptions {
  role: 'signaling' | 'media';
  nodeId: string;
  redisUrl: string;
  prefix: string;
  dataDir: string;
  sipPort: number;
  password: string;
  token: string;
  signingKey: string;
  /** media: distinct port ranges per node on one host. */
  mediaPorts?: string;
  webrtcPorts?: string;
  extra?: string[];
}

export function spawnClusterNode(o: ClusterNodeOptions): Promise<GatewayProcess> {
  return spawnGateway({
    dataDir: o.dataDir,
    sipPort: o.sipPort,
    password: o.password,
    token: o.token,
    flags: [
      '--role',
      o.role,
      '--node-id',
      o.nodeId,
      '--redis',
      o.redisUrl,
      '--cluster-prefix',
      o.prefix,
      '--signing-key',
      o.signingKey,
      '--hls-segment',
      '1',
      ...(o.mediaPorts ? ['--media-ports', o.mediaPorts] : []),
      ...(o.webrtcPorts ? ['--webrtc-ports', o.webrtcPorts] : []),
      ...(o.extra ?? []),
    ],
  });
}

export interface HlsCheck {
  /** Where the redirects ended: the serving node's base URL. */
  servedBy: string;
  probe: SegmentProbe;
}

/**
 * Follows `hlsUrl` (through any 307) to the multivariant playlist, then the media playlist, and
 * probes init + the newest complete segment. Undefined while the stream has no segment yet.
 */
export async function fetchAndProbeHls(hlsUrl: string, name: string): Promise<HlsCheck | undefined> {
  const master = await fetch(hlsUrl);
  if (master.status !== 200) {
    return undefined;
  }
  const finalUrl = master.url;
  const mediaUri = (await master.text()).split('\n').find((l) => l.trim() && !l.startsWith('#'));
  if (!mediaUri) {
    return undefined;
  }
  const mediaUrl = new URL(mediaUri.trim(), finalUrl);
  const res = await fetch(mediaUrl);
  if (res.status !== 200) {
    return undefined;
  }
  const text = await res.text();
  const map = /#EXT-X-MAP:URI="([^"]+)"/.exec(text);
  const segment = text
    .split('\n')
    .filter((l) => /^\d+\.m4s/.test(l))
    .pop();
  if (!map || !segment) {
    return undefined;
  }
  const init = await download(new URL(map[1], res.url));
  const media = await download(new URL(segment, res.url));
  const probe = await probeSegment(writeFragmentFile(`${name}.mp4`, init, media));
  return { servedBy: new URL(finalUrl).origin, probe };
}
