// Shared pieces of the cascade tests (cascade-*.test.ts and test/e2e/cascade-*.test.ts): two real
// gateways on loopback, B configured as A's upper platform, A with a simulated lower platform of
// 4 channels and some of them shared with B.
import type { UpperPlatformDetail } from '../../gateway/views/cascade-services.js';
import type { ConfigInput } from '../../gateway/config.js';
import type { UpperPlatformInput } from '../../gateway/views/upper-platform-config.js';
import type { ShareEntry } from '../../gateway/store/cascade-store.js';
import { startHarness, type Harness } from './gateway-harness.js';
import { waitFor } from './wait.js';

/** A is the default gateway ID (the simulator registers to it); B is A's upper platform. */
export const A_ID = '34020000002000000001';
export const B_ID = '34020000002000000002';
/** The simulated NVR behind A and its channels. */
export const SIM = '34020000001180000001';
export const channel = (n: number): string => `3402000000131000000${n}`;

export interface ChannelView {
  channelId: string;
  name: string;
  status: 'ON' | 'OFF';
  parentId: string | null;
}

export type UpperView = UpperPlatformDetail;

export interface Pair {
  a: Harness;
  b: Harness;
  close(): Promise<void>;
}

export interface PairOptions {
  shares?: ShareEntry[];
  /** Settings of B as A's upper platform (beyond id, host, port and password). */
  upper?: Partial<UpperPlatformInput>;
  a?: Partial<ConfigInput>;
  b?: Partial<ConfigInput>;
}

export const TWO_CHANNELS: ShareEntry[] = [
  { type: 'channel', deviceId: SIM, channelId: channel(1) },
  { type: 'channel', deviceId: SIM, channelId: channel(3) },
];

/** B first (no devices of its own), then A pointing at B with `shares`. */
export async function startPair(opts: PairOptions = {}): Promise<Pair> {
  const b = await startHarness({ gateway: { 'sip-id': B_ID, ...opts.b }, simulator: { devices: 0 } });
  let a: Harness;
  try {
    a = await startHarness({
      gateway: {
        ...opts.a,
        cascade: [upperEntry(b, { shares: opts.shares ?? TWO_CHANNELS, ...opts.upper })],
      },
    });
  } catch (err) {
    await b.close();
    throw err;
  }
  return {
    a,
    b,
    async close() {
      await a.close();
      await b.close();
    },
  };
}

/** B as an entry of A's `cascade` list. */
export function upperEntry(b: Harness, extra: Partial<UpperPlatformInput> = {}): UpperPlatformInput {
  return {
    id: B_ID,
    name: '上级平台B',
    host: '127.0.0.1',
    port: b.gw.sipPort,
    transport: 'udp',
    password: b.gw.secrets.password,
    keepaliveIntervalSec: 60,
    keepaliveMaxMisses: 3,
    expiresSec: 3600,
    registerTimeoutSec: 10,
    charset: 'GB2312',
    enabled: true,
    ...extra,
  };
}

/** B's view of A's channels once `count` of them are there. */
export function bChannels(pair: Pair, count: number, timeoutMs = 15_000): Promise<ChannelView[]> {
  return waitFor(
    async () => {
      const r = await pair.b.api<ChannelView[]>(`/api/devices/${A_ID}/channels`);
      return r.status === 200 && r.body.length === count ? r.body : undefined;
    },
    timeoutMs,
    `B to list ${count} channels of A`,
  );
}

/** A's view of B as its upper platform. */
export async function upperOnA(a: Harness): Promise<UpperView> {
  const r = await a.api<UpperView>(`/api/upper-platforms/${B_ID}`);
  if (r.status !== 200) {
    throw new Error(`GET upper platform: ${r.status} ${JSON.stringify(r.body)}`);
  }
  return r.body;
}
