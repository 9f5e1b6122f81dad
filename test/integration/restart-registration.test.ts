// Restart blackout: after kill -9 and a restart on the same data dir, a device that registered
// before is online again at its first keepalive (200, not 404 and three keepalive intervals of
// "offline" until it registers again), and its catalog is not asked for again when we have it.
// The registration is honoured only until its expiry, and only from the address it was made from.
// The gateway runs as a child process (gateway/cli), so SIGKILL runs no shutdown code.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { SipTransport, SipUserAgent } from '../../gateway/sip/index.js';
import { waitFor } from '../helpers/wait.js';
import { REALM, SERVER_ID, SipPeer } from '../helpers/sip-peer.js';
import { catalogPage, keepaliveBody } from '../helpers/manscdp-bodies.js';
import { freePort } from '../helpers/ports.js';
import { spawnGateway, type GatewayProcess } from '../helpers/gateway-process.js';

const PASSWORD = 'restart-registration-pw';
const TOKEN = 'restart-registration-token-0123456789';
/** Has its catalog: back without a Catalog query. */
const WITH_CATALOG = '34020000001180000031';
/** Never answered the Catalog query: back, and asked for it. */
const WITHOUT_CATALOG = '34020000001180000032';
/** Claimed by a forger from 127.0.0.2 after the restart. */
const CLAIMED = '34020000001180000033';
/** Its registration expired while the gateway was down. */
const EXPIRED = '34020000001180000034';

const dataDir = mkdtempSync(join(tmpdir(), 'gb-restart-reg-'));
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const c of cleanup.reverse()) {
    await c().catch(() => undefined);
  }
  rmSync(dataDir, { recursive: true, force: true });
});

async function online(gw: GatewayProcess, deviceId: string): Promise<boolean> {
  const r = await gw.api<{ online: boolean }>(`/api/devices/${deviceId}`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
  return r.body.online;
}

test('after kill -9, a registered device is online at its first keepalive; expired or forged ones are not', async () => {
  const sipPort = await freePort();
  const gw1 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw1.kill9());
  const peers = new Map<string, SipPeer>();
  for (const deviceId of [WITH_CATALOG, WITHOUT_CATALOG, CLAIMED, EXPIRED]) {
    const peer = await SipPeer.start({ deviceId, password: PASSWORD, gatewayPort: sipPort });
    cleanup.push(() => peer.close());
    peers.set(deviceId, peer);
    assert.equal((await peer.register()).final.status, 200);
  }
  const withCatalog = peers.get(WITH_CATALOG)!;
  const query = await withCatalog.nextQuery('Catalog');
  await withCatalog.message(
    catalogPage(WITH_CATALOG, query.sn, 2, [
      { id: '34020000001310000031', name: 'gate' },
      { id: '34020000001310000032', name: 'yard' },
    ]),
  );
  await waitFor(
    async () => (await gw1.api<unknown[]>(`/api/devices/${WITH_CATALOG}/channels`)).body.length === 2,
    10_000,
    'the catalog stored',
  );

  await gw1.kill9();
  assert.equal(gw1.child.signalCode, 'SIGKILL');
  // While we were down, EXPIRED's registration ran out (written straight into the store).
  const db = new Database(join(dataDir, 'gateway.db'));
  db.prepare('UPDATE devices SET expires_at = ? WHERE device_id = ?').run(
    new Date(Date.now() - 1000).toISOString(),
    EXPIRED,
  );
  db.close();
  for (const peer of peers.values()) {
    peer.queries.length = 0;
  }

  const gw2 = await spawnGateway({ dataDir, sipPort, password: PASSWORD, token: TOKEN });
  cleanup.push(() => gw2.stop());
  for (const id of [WITH_CATALOG, WITHOUT_CATALOG, CLAIMED, EXPIRED]) {
    assert.equal(await online(gw2, id), false, `${id} offline until it talks`);
  }

  // The first keepalive: 200, and online at once (no polling: the 200 comes after the session is updated).
  assert.equal((await withCatalog.keepalive()).status, 200);
  assert.equal(await online(gw2, WITH_CATALOG), true);

  // A device we never got a catalog from is asked for it. Its query is sent after the one
  // WITH_CATALOG would have had (both 50 ms after going online), so by now that one would be here.
  const withoutCatalog = peers.get(WITHOUT_CATALOG)!;
  assert.equal((await withoutCatalog.keepalive()).status, 200);
  assert.equal(await online(gw2, WITHOUT_CATALOG), true);
  await withoutCatalog.nextQuery('Catalog');
  assert.deepEqual(
    withCatalog.queries.map((q) => q.cmdType),
    [],
    'the restored device with a catalog was queried again',
  );

  // A forged keepalive for a restored registration, from another address: refused, still offline.
  const transport = await SipTransport.listen({ host: '127.0.0.2', port: 0 });
  const forger = new SipUserAgent({ transport, localId: CLAIMED, domain: REALM, publicHost: '127.0.0.2' });
  cleanup.push(async () => {
    await forger.close();
    await transport.close();
  });
  const forged = await forger.request(
    forger.createRequest({
      method: 'MESSAGE',
      requestUri: `sip:${SERVER_ID}@${REALM}`,
      to: `sip:${SERVER_ID}@${REALM}`,
      contact: false,
      body: keepaliveBody(CLAIMED, 1),
      contentType: 'Application/MANSCDP+xml',
    }),
    { transport: 'udp', address: '127.0.0.1', port: sipPort },
  );
  assert.equal(forged.status, 404);
  assert.equal(await online(gw2, CLAIMED), false);
  assert.equal((await peers.get(CLAIMED)!.keepalive()).status, 200, 'the device itself is taken back');
  assert.equal(await online(gw2, CLAIMED), true);

  // The expired registration is not honoured: 404 (register again), offline.
  assert.equal((await peers.get(EXPIRED)!.keepalive()).status, 404);
  assert.equal(await online(gw2, EXPIRED), false);
  assert.deepEqual(
    gw2.logged(/registrations kept/).map((l) => l.restored),
    [3],
    'three unexpired registrations restored',
  );
});
