// A gateway child plus a simulator child on loopback, driven through the gateway's HTTP API:
// add devices (they REGISTER with digest, the gateway syncs their catalog), then hold a chosen
// number of live streams (POST …/live → INVITE → PS/RTP; DELETE → BYE).
import type { ConfigInput } from '../../gateway/config.js';
import type { SimulatorOptions } from '../../simulator/index.js';
import type { GatewayReady } from '../children/gateway-child.js';
import type { AddResult, SimCounts } from '../children/sim-child.js';
import { GatewayClient, mapLimit, waitUntil } from './gateway-client.js';
import { childModule } from './paths.js';
import { ChildRpc } from './rpc-parent.js';

export interface RigDevice {
  deviceId: string;
  channelId: string;
  streamId?: string;
}

/** Device IDs 3402000000 118 0 + a six-digit serial (GB/T 28181 Annex D: type 118 = NVR). */
export const deviceIdAt = (serial: number): string => `34020000001180${String(serial).padStart(6, '0')}`;

export class GatewayRig {
  readonly devices: RigDevice[] = [];

  private constructor(
    readonly gw: ChildRpc<GatewayReady>,
    readonly sim: ChildRpc,
    readonly client: GatewayClient,
  ) {}

  static async start(name: string, config: Partial<ConfigInput>): Promise<GatewayRig> {
    const gw = await ChildRpc.start<GatewayReady>(
      childModule(import.meta.url, '../children/gateway-child.js'),
      {
        name: `${name}-gateway`,
        args: [JSON.stringify(config)],
      },
    );
    let sim: ChildRpc;
    try {
      sim = await ChildRpc.start(childModule(import.meta.url, '../children/sim-child.js'), {
        name: `${name}-simulator`,
      });
    } catch (err) {
      await gw.stop();
      throw err;
    }
    return new GatewayRig(
      gw,
      sim,
      new GatewayClient(`http://127.0.0.1:${gw.ready.httpPort}`, gw.ready.apiToken),
    );
  }

  get liveCount(): number {
    return this.devices.filter((d) => d.streamId).length;
  }

  simCounts(): Promise<SimCounts> {
    return this.sim.call<SimCounts>('counts');
  }

  /**
   * Adds `count` devices with one channel each (REGISTERs spaced 20 ms apart unless `sim` says
   * otherwise) and waits until all are registered and, unless `waitForCatalog` is false, until
   * the gateway knows their channel.
   */
  async addDevices(
    count: number,
    sim: Partial<SimulatorOptions>,
    timeoutMs = 60_000,
    waitForCatalog = true,
  ): Promise<void> {
    const r = await this.sim.call<AddResult>('add', {
      server: { host: '127.0.0.1', port: this.gw.ready.sipPort },
      serverId: this.gw.ready.sipId,
      realm: this.gw.ready.realm,
      password: this.gw.ready.password,
      devices: count,
      channels: 1,
      deviceIdBase: deviceIdAt(this.devices.length + 1),
      registerSpreadMs: Math.min(5000, count * 20),
      ...sim,
    } satisfies SimulatorOptions);
    r.deviceIds.forEach((deviceId, i) => this.devices.push({ deviceId, channelId: r.channelIds[i][0] }));
    const total = this.devices.length;
    await waitUntil(
      async () => (await this.simCounts()).registered >= total,
      timeoutMs,
      `${total} devices to register`,
    );
    if (!waitForCatalog) {
      return;
    }
    await waitUntil(
      async () => {
        const known = await this.client.channelCounts();
        return r.deviceIds.every((id) => (known.get(id) ?? 0) >= 1);
      },
      timeoutMs,
      'the catalogs of the new devices',
      500,
    );
  }

  /** Starts or stops live streams until exactly `n` are live (n ≤ devices.length). */
  async setLive(n: number, timeoutMs = 60_000): Promise<void> {
    const live = this.devices.filter((d) => d.streamId);
    if (n < live.length) {
      await mapLimit(live.slice(n), 8, async (d) => {
        await this.client.stop(d.streamId!);
        d.streamId = undefined;
      });
      return;
    }
    const idle = this.devices.filter((d) => !d.streamId).slice(0, n - live.length);
    await mapLimit(idle, 8, async (d) => {
      d.streamId = (await this.client.live(d.deviceId, d.channelId)).streamId;
    });
    const want = new Set(this.devices.filter((d) => d.streamId).map((d) => d.streamId));
    await waitUntil(
      async () =>
        (await this.client.streams()).filter((s) => want.has(s.streamId) && s.state === 'live').length >=
        want.size,
      timeoutMs,
      `${want.size} streams to go live`,
      500,
    );
  }

  async close(): Promise<void> {
    await this.sim.stop().catch(() => undefined);
    await this.gw.stop().catch(() => undefined);
  }
}
