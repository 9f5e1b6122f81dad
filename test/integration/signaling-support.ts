// Shared pieces of the signaling acceptance tests (signaling-*.test.ts): free ports, a scripted
// lower platform (SipPeer) whose every message the test writes itself, GB2312 MANSCDP bodies, and
// the gateway CLI as a child process (for kill -9 and for reading its log lines).
import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import { existsSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import iconv from 'iconv-lite';
import {
  SipTransport,
  SipUserAgent,
  answerDigestChallenge,
  type SipRemote,
  type SipRequest,
  type SipResponse,
  type ServerTransaction,
} from '../../gateway/sip/index.js';
import { repoRoot } from '../helpers/paths.js';

export const SERVER_ID = '34020000002000000001';
export const REALM = '3402000000';

/** A port free on both UDP and TCP at `host` right now (bound, read, released). */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (;;) {
    const udp = dgram.createSocket('udp4');
    const port = await new Promise<number>((resolve) => udp.bind(0, host, () => resolve(udp.address().port)));
    const tcpFree = await new Promise<boolean>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(false));
      srv.listen(port, host, () => srv.close(() => resolve(true)));
    });
    await new Promise<void>((r) => udp.close(() => r()));
    if (tcpFree) {
      return port;
    }
  }
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- MANSCDP bodies (literal XML)

export interface CatalogEntry {
  id: string;
  name: string;
  status?: 'ON' | 'OFF';
}

/** One Catalog Response page (reference §3.1) as GB2312 bytes; `items` may be empty. */
export function catalogPage(deviceId: string, sn: string, sumNum: number, items: CatalogEntry[]): Buffer {
  const list = items
    .map(
      (i) =>
        `<Item>\r\n<DeviceID>${i.id}</DeviceID>\r\n<Name>${i.name}</Name>\r\n<Manufacturer>Test</Manufacturer>\r\n` +
        `<ParentID>${deviceId}</ParentID>\r\n<Status>${i.status ?? 'ON'}</Status>\r\n</Item>\r\n`,
    )
    .join('');
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>Catalog</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<SumNum>${sumNum}</SumNum>\r\n` +
      (items.length ? `<DeviceList Num="${items.length}">\r\n${list}</DeviceList>\r\n` : '') +
      `</Response>\r\n`,
  );
}

export function keepaliveBody(deviceId: string, sn: number): Buffer {
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Notify>\r\n<CmdType>Keepalive</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<Status>OK</Status>\r\n</Notify>\r\n`,
  );
}

export function deviceInfoBody(deviceId: string, sn: string, name: string): Buffer {
  return gb2312(
    `<?xml version="1.0" encoding="GB2312"?>\r\n<Response>\r\n<CmdType>DeviceInfo</CmdType>\r\n<SN>${sn}</SN>\r\n` +
      `<DeviceID>${deviceId}</DeviceID>\r\n<Result>OK</Result>\r\n<DeviceName>${name}</DeviceName>\r\n</Response>\r\n`,
  );
}

export function gb2312(text: string): Buffer {
  return iconv.encode(text, 'gb2312');
}

// ---------------------------------------------------------------- a scripted lower platform

export interface IncomingQuery {
  cmdType: string;
  sn: string;
  callId: string;
  req: SipRequest;
}

/**
 * A lower platform the test drives message by message over the gateway's own SIP stack (used here
 * only as a transport + transaction engine; the upper-platform logic under test is not involved).
 * Incoming MESSAGEs get 200 at once and are queued as queries; INVITEs get 488 unless handled.
 */
export class SipPeer {
  readonly queries: IncomingQuery[] = [];
  #keepaliveSn = 0;
  #waiters: (() => void)[] = [];
  onInvite: ((req: SipRequest, tx: ServerTransaction) => void) | undefined;
  /** Leave incoming MESSAGEs unanswered (no 200), like a device that ignores the upper. */
  ignoreMessages = false;

  private constructor(
    readonly deviceId: string,
    readonly transport: SipTransport,
    readonly ua: SipUserAgent,
    readonly gateway: SipRemote,
    readonly password: string,
  ) {
    ua.onRequest((req, tx) => this.#onRequest(req, tx));
  }

  static async start(o: {
    deviceId: string;
    password: string;
    gatewayPort: number;
    transport?: 'udp' | 'tcp';
  }): Promise<SipPeer> {
    const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
    const ua = new SipUserAgent({ transport, localId: o.deviceId, domain: REALM, publicHost: '127.0.0.1' });
    const gateway: SipRemote = { transport: o.transport ?? 'udp', address: '127.0.0.1', port: o.gatewayPort };
    return new SipPeer(o.deviceId, transport, ua, gateway, o.password);
  }

  /** REGISTER, answer the 401, return both answers (reference §1.1). */
  async register(
    o: { password?: string; expires?: number } = {},
  ): Promise<{ challenge: SipResponse; final: SipResponse }> {
    const uri = `sip:${SERVER_ID}@${REALM}`;
    const first = this.ua.createRequest({
      method: 'REGISTER',
      requestUri: uri,
      to: `sip:${this.deviceId}@${REALM}`,
      headers: [['Expires', String(o.expires ?? 3600)]],
    });
    const challenge = await this.ua.request(first, this.gateway);
    if (challenge.status !== 401) {
      return { challenge, final: challenge };
    }
    const final = await this.authorize(first, challenge, o.password);
    return { challenge, final };
  }

  /** Answer `challenge` for `previous` with the password (CSeq + 1, same Call-ID and tag). */
  authorize(previous: SipRequest, challenge: SipResponse, password = this.password): Promise<SipResponse> {
    const auth = answerDigestChallenge(challenge.headers.get('www-authenticate') ?? '', {
      username: this.deviceId,
      password,
      method: 'REGISTER',
      uri: previous.uri,
    });
    if (!auth) {
      throw new Error('unusable challenge');
    }
    const next = this.ua.createFollowUp(previous, [['Authorization', auth]]);
    return this.ua.request(next, this.gateway);
  }

  /** A device → upper MESSAGE with a fresh Call-ID (as real devices send, reference §0). */
  message(body: Buffer | string, opts: { callId?: string } = {}): Promise<SipResponse> {
    const req = this.ua.createRequest({
      method: 'MESSAGE',
      requestUri: `sip:${SERVER_ID}@${REALM}`,
      to: `sip:${SERVER_ID}@${REALM}`,
      contact: false,
      body,
      contentType: 'Application/MANSCDP+xml',
      ...(opts.callId ? { callId: opts.callId } : {}),
    });
    return this.ua.request(req, this.gateway);
  }

  keepalive(): Promise<SipResponse> {
    return this.message(keepaliveBody(this.deviceId, ++this.#keepaliveSn));
  }

  /** The next query of `cmdType` not yet taken (waits up to `timeoutMs`). */
  async nextQuery(cmdType: string, timeoutMs = 10_000): Promise<IncomingQuery> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.queries.findIndex((q) => q.cmdType === cmdType);
      if (i >= 0) {
        return this.queries.splice(i, 1)[0];
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error(`no ${cmdType} query within ${timeoutMs} ms`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.#waiters.push(() => (clearTimeout(t), resolve()));
      });
    }
  }

  async close(): Promise<void> {
    await this.ua.close();
    await this.transport.close();
  }

  #onRequest(req: SipRequest, tx: ServerTransaction): void {
    if (req.method === 'INVITE' && this.onInvite) {
      return this.onInvite(req, tx);
    }
    if (req.method === 'MESSAGE' && this.ignoreMessages) {
      return;
    }
    if (req.method !== 'MESSAGE') {
      tx.respond(req.method === 'BYE' ? 200 : 488);
      return;
    }
    tx.respond(200);
    const text = Buffer.from(req.body).toString('latin1');
    this.queries.push({
      cmdType: /<CmdType>\s*(\w+)\s*<\/CmdType>/.exec(text)?.[1] ?? '?',
      sn: /<SN>\s*(\d+)\s*<\/SN>/.exec(text)?.[1] ?? '?',
      callId: req.headers.get('call-id') ?? '',
      req,
    });
    for (const w of this.#waiters.splice(0)) {
      w();
    }
  }
}

// ---------------------------------------------------------------- the gateway as a child process

/**
 * How to run gateway/cli: the compiled dist/gateway/cli.js when this test runs compiled (npm test
 * builds first), else the TypeScript through tsx's loader, so a test always exercises the same
 * build of the gateway as itself. Either way ONE node process, so a SIGKILL hits the gateway
 * itself and not a wrapper (npx and the tsx CLI fork a child).
 */
export function gatewayCommand(): { command: string; args: string[] } {
  const compiled = join(repoRoot, 'dist', 'gateway', 'cli.js');
  if (import.meta.url.includes('/dist/') && existsSync(compiled)) {
    return { command: process.execPath, args: [compiled] };
  }
  return { command: process.execPath, args: ['--import', 'tsx', join(repoRoot, 'gateway', 'cli.ts')] };
}

export interface GatewayProcess {
  readonly child: ChildProcess;
  /** stdout lines so far (pino JSON lines and the CLI's own lines). */
  readonly lines: string[];
  readonly httpBase: string;
  readonly token: string;
  api<T = unknown>(path: string, init?: RequestInit): Promise<{ status: number; body: T }>;
  /** Parsed pino lines whose `msg` matches. */
  logged(msg: RegExp): Record<string, unknown>[];
  /** SIGKILL, and wait for the exit. */
  kill9(): Promise<void>;
  /** SIGTERM (graceful), and wait for the exit. */
  stop(): Promise<void>;
}

export async function spawnGateway(o: {
  dataDir: string;
  sipPort: number;
  password: string;
  token: string;
  flags?: string[];
}): Promise<GatewayProcess> {
  const { command, args } = gatewayCommand();
  const child = spawn(
    command,
    [
      ...args,
      '--sip-host',
      '127.0.0.1',
      '--sip-port',
      String(o.sipPort),
      '--http-port',
      '0',
      '--public-ip',
      '127.0.0.1',
      '--data-dir',
      o.dataDir,
      '--password',
      o.password,
      '--api-token',
      o.token,
      '--catalog-interval',
      '0',
      '--log-level',
      'info',
      ...(o.flags ?? []),
    ],
    { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } },
  );
  const lines: string[] = [];
  let partial = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (partial + chunk).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts);
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const httpBase = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const line = lines.find((l) => l.startsWith('HTTP http://'));
      if (line) {
        clearInterval(timer);
        resolve(line.slice(5).replace(/\/$/, ''));
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`gateway exited with ${child.exitCode}: ${stderr}`));
      }
    }, 50);
  });
  const api = async <T>(path: string, init: RequestInit = {}) => {
    const res = await fetch(httpBase + path, {
      ...init,
      headers: { Authorization: `Bearer ${o.token}`, 'Content-Type': 'application/json' },
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, body: body as T };
  };
  const logged = (msg: RegExp) =>
    lines
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((j) => typeof j.msg === 'string' && msg.test(j.msg));
  return {
    child,
    lines,
    httpBase,
    token: o.token,
    api,
    logged,
    kill9: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
      await exited;
    },
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
      }
      await exited;
    },
  };
}
