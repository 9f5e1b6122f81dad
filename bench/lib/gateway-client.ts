// The benchmark's view of a running gateway through its public HTTP API (docs/api.md): the
// same calls an operator or video wall makes, with 429 (rate limit) answered by waiting.
import { sleep } from './stats.js';

export interface LiveAnswer {
  streamId: string;
  whep: string;
  hls: string;
  codec: { video: string | null; audio: string | null };
  transport: string;
}

export interface StreamRow {
  streamId: string;
  state: string;
  packetsLost: number;
  bitrateKbps: number | null;
}

export class GatewayClient {
  constructor(
    readonly base: string,
    private readonly token: string,
  ) {}

  async api<T>(path: string, init: RequestInit = {}): Promise<{ status: number; body: T }> {
    for (let attempt = 0; ; attempt++) {
      const res = await fetch(this.base + path, {
        ...init,
        headers: {
          Authorization: `Bearer ${this.token}`,
          'Content-Type': 'application/json',
          ...(init.headers as Record<string, string> | undefined),
        },
      });
      const text = await res.text();
      if (res.status === 429 && attempt < 50) {
        await sleep(200);
        continue;
      }
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: body as T };
    }
  }

  async live(deviceId: string, channelId: string): Promise<LiveAnswer> {
    const r = await this.api<LiveAnswer>(`/api/devices/${deviceId}/channels/${channelId}/live`, {
      method: 'POST',
    });
    if (r.status !== 200) {
      throw new Error(`live ${deviceId}/${channelId} answered ${r.status}: ${JSON.stringify(r.body)}`);
    }
    return r.body;
  }

  async stop(streamId: string): Promise<void> {
    await this.api(`/api/streams/${encodeURIComponent(streamId)}`, { method: 'DELETE' });
  }

  async streams(): Promise<StreamRow[]> {
    const r = await this.api<StreamRow[]>('/api/streams');
    return r.status === 200 ? r.body : [];
  }

  /** Device ID → channel count the gateway holds (from its catalog sync). */
  async channelCounts(): Promise<Map<string, number>> {
    const r = await this.api<{ deviceId: string; channelCount: number; online: boolean }[]>('/api/devices');
    return new Map(
      r.status === 200 ? r.body.filter((d) => d.online).map((d) => [d.deviceId, d.channelCount]) : [],
    );
  }
}

/** Sum of every series of a Prometheus counter or gauge in exposition text, optionally filtered by a label substring. */
export function promSum(text: string, name: string, labelFilter?: string): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || line.startsWith('#')) {
      continue;
    }
    const rest = line.slice(name.length);
    if (rest[0] !== '{' && rest[0] !== ' ') {
      continue; // a longer metric name with the same prefix
    }
    if (labelFilter && !rest.includes(labelFilter)) {
      continue;
    }
    const value = Number(rest.slice(rest.lastIndexOf(' ') + 1));
    if (Number.isFinite(value)) {
      sum += value;
    }
  }
  return sum;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export async function waitUntil(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  everyMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(everyMs);
  }
}
