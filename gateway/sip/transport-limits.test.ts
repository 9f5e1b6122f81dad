// SIP over TCP cannot eat the process's file descriptors (issue #20 point 7): inbound connections
// are capped per address and in total, a connection no registered device holds is closed after
// the unclaimed timeout, and at the total cap the oldest such connection makes room for a new one.
import assert from 'node:assert/strict';
import net from 'node:net';
import { test, type TestContext } from 'node:test';
import { mockClock } from '../../test/helpers/mock-clock.js';
import { waitFor } from '../../test/helpers/wait.js';
import { SipTransport } from './transport.js';

async function listen(ctx: TestContext, opts: Partial<Parameters<typeof SipTransport.listen>[0]>) {
  const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0, ...opts });
  ctx.after(() => transport.close());
  return transport;
}

/** A client connection, with whether the server has closed it. */
async function dial(ctx: TestContext, port: number, from = '127.0.0.1'): Promise<{ closed: () => boolean }> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  let closed = false;
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  ctx.after(() => socket.destroy());
  await new Promise<void>((resolve) =>
    socket.once('connect', () => resolve()).once('close', () => resolve()),
  );
  return { closed: () => closed };
}

test('an address at its cap gets further connections closed at once; other addresses still connect', async (ctx) => {
  const t = await listen(ctx, { maxConnectionsPerClient: 3 });
  const first = [await dial(ctx, t.port), await dial(ctx, t.port), await dial(ctx, t.port)];
  await waitFor(() => t.inboundLimits.open === 3, 2000, 'three accepted');
  const fourth = await dial(ctx, t.port);
  await waitFor(() => fourth.closed(), 2000, 'the fourth connection closed');
  assert.equal(t.stats.refused['per-client'], 1);
  assert.ok(first.every((c) => !c.closed()));
  const other = await dial(ctx, t.port, '127.0.0.2');
  await waitFor(() => t.inboundLimits.open === 4, 2000, 'another address accepted');
  assert.equal(other.closed(), false);
});

test('a connection no registration holds is closed after the unclaimed timeout; a held one stays', async (ctx) => {
  const clock = mockClock(ctx);
  const t = await listen(ctx, { unclaimedTimeoutMs: 30_000 });
  const held = new Set<string>();
  t.keepConnection((id) => held.has(id));
  const registered = await dial(ctx, t.port);
  await waitFor(() => t.connections().length === 1, 2000, 'the first accepted');
  held.add(t.connections()[0].connectionId);
  const idle = await dial(ctx, t.port);
  await waitFor(() => t.inboundLimits.open === 2, 2000, 'the second accepted');
  clock.tick(29_999);
  await new Promise((r) => setImmediate(r));
  assert.equal(idle.closed(), false, 'not before the timeout');
  clock.tick(1);
  await waitFor(() => idle.closed(), 2000, 'the unregistered connection closed');
  assert.equal(t.stats.refused['idle-timeout'], 1);
  clock.tick(120_000);
  await new Promise((r) => setImmediate(r));
  assert.equal(registered.closed(), false, 'the connection a device registered on stays');
});

test('at the total cap the oldest unheld connection makes room; when every one is held, the newcomer is refused', async (ctx) => {
  const t = await listen(ctx, { maxConnections: 3 });
  const held = new Set<string>();
  t.keepConnection((id) => held.has(id));
  const a = await dial(ctx, t.port);
  await waitFor(() => t.connections().length === 1, 2000, 'a accepted');
  held.add(t.connections()[0].connectionId);
  const b = await dial(ctx, t.port);
  const c = await dial(ctx, t.port);
  await waitFor(() => t.inboundLimits.open === 3, 2000, 'b and c accepted');
  const d = await dial(ctx, t.port);
  await waitFor(() => b.closed(), 2000, 'b (the oldest not held) evicted');
  assert.equal(t.stats.refused['evicted-idle'], 1);
  assert.ok(!a.closed() && !c.closed() && !d.closed());
  for (const info of t.connections()) {
    held.add(info.connectionId);
  }
  const e = await dial(ctx, t.port);
  await waitFor(() => e.closed(), 2000, 'the newcomer refused');
  assert.equal(t.stats.refused.total, 1);
  assert.ok(!a.closed() && !c.closed() && !d.closed(), 'held connections are never evicted');
});
