// HTTP connections cannot eat the process's file descriptors (issue #20 point 7): a cap per client
// address, a total cap at which the oldest idle connection (a slowloris still sending headers)
// makes room, and Node's header timeout answering 408, counted.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { test, type TestContext } from 'node:test';
import { waitFor } from '../../test/helpers/wait.js';
import { AddressList } from '../address-match.js';
import { createLogger } from '../log.js';
import { HttpConnectionGuard } from './connection-guard.js';

const log = createLogger('test:http-guard');

async function serve(
  ctx: TestContext,
  opts: { max: number; perClient: number; proxies?: string[]; headersTimeoutMs?: number },
): Promise<{ server: Server; guard: HttpConnectionGuard; port: number; release: () => void }> {
  const held: (() => void)[] = [];
  const server = createServer(
    {
      headersTimeout: opts.headersTimeoutMs ?? 10_000,
      requestTimeout: 30_000,
      connectionsCheckingInterval: 100,
    },
    (req, res) => {
      if (req.url === '/hold') {
        held.push(() => res.end('released'));
        res.writeHead(200);
        res.write('held\n');
        return;
      }
      res.end('ok');
    },
  );
  const guard = new HttpConnectionGuard(server, {
    maxConnections: opts.max,
    maxPerClient: opts.perClient,
    proxies: new AddressList(opts.proxies ?? []),
    log,
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  ctx.after(() => {
    server.closeAllConnections();
    server.close();
  });
  return {
    server,
    guard,
    port: (server.address() as AddressInfo).port,
    release: () => held.splice(0).forEach((f) => f()),
  };
}

/** A raw client: `slow` sends half a request line and nothing more; `busy` sends a request to /hold. */
async function client(
  ctx: TestContext,
  port: number,
  kind: 'slow' | 'busy' | 'none',
  from = '127.0.0.1',
): Promise<{ closed: () => boolean; received: () => string }> {
  const socket = net.connect({ host: '127.0.0.1', port, localAddress: from });
  let closed = false;
  let received = '';
  socket.on('data', (d) => (received += d.toString('latin1')));
  socket.on('close', () => (closed = true));
  socket.on('error', () => {});
  ctx.after(() => socket.destroy());
  await new Promise<void>((resolve) =>
    socket.once('connect', () => resolve()).once('close', () => resolve()),
  );
  if (kind === 'slow') {
    socket.write('GET /api/health HTTP/1.1\r\nHost: x\r\n'); // and never the blank line
  } else if (kind === 'busy') {
    socket.write('GET /hold HTTP/1.1\r\nHost: x\r\n\r\n');
  }
  return { closed: () => closed, received: () => received };
}

test('a client at its cap gets further connections closed; a trusted proxy is held to the total only', async (ctx) => {
  const { guard, port } = await serve(ctx, { max: 100, perClient: 3, proxies: ['127.0.0.3'] });
  const mine = [
    await client(ctx, port, 'none'),
    await client(ctx, port, 'none'),
    await client(ctx, port, 'none'),
  ];
  await waitFor(() => guard.view().open === 3, 2000, 'three open');
  const fourth = await client(ctx, port, 'none');
  await waitFor(() => fourth.closed(), 2000, 'the fourth closed');
  assert.equal(guard.view().refused['per-client'], 1);
  assert.ok(mine.every((c) => !c.closed()));
  for (let i = 0; i < 5; i++) {
    await client(ctx, port, 'none', '127.0.0.3');
  }
  await waitFor(() => guard.view().open === 8, 2000, 'the proxy keeps five');
  assert.equal(guard.view().refused['per-client'], 1);
});

test('at the total cap the oldest idle connection is closed for a newcomer; busy ones never are', async (ctx) => {
  const { guard, port, release } = await serve(ctx, { max: 3, perClient: 100 });
  const busy = await client(ctx, port, 'busy');
  await waitFor(() => busy.received().includes('held'), 2000, 'a request in flight');
  const slow1 = await client(ctx, port, 'slow', '127.0.0.2');
  const slow2 = await client(ctx, port, 'slow', '127.0.0.3');
  await waitFor(() => guard.view().open === 3, 2000, 'three open');
  const health = await fetch(`http://127.0.0.1:${port}/api/health`, { signal: AbortSignal.timeout(3000) });
  assert.equal(await health.text(), 'ok', 'a newcomer is served at the cap');
  assert.ok(slow1.closed(), 'the oldest slowloris made room');
  assert.equal(guard.view().refused['evicted-idle'] >= 1, true);
  assert.equal(busy.closed(), false, 'a request in flight is never evicted');

  // Every connection busy: the newcomer is the one refused.
  const busy2 = await client(ctx, port, 'busy', '127.0.0.4');
  await waitFor(() => busy2.received().includes('held'), 2000, 'second request in flight');
  const busy3 = await client(ctx, port, 'busy', '127.0.0.5');
  await waitFor(() => busy3.received().includes('held') || busy3.closed(), 2000, 'third');
  await waitFor(() => guard.view().open === 3 && slow2.closed(), 2000, 'slow2 evicted too');
  const refusedBefore = guard.view().refused.total;
  const late = await client(ctx, port, 'none', '127.0.0.6');
  await waitFor(() => late.closed(), 2000, 'refused');
  assert.equal(guard.view().refused.total, refusedBefore + 1);
  assert.ok(!busy.closed() && !busy2.closed() && !busy3.closed());
  release();
});

test('a client that never finishes its headers gets 408 at the headers timeout, counted', async (ctx) => {
  const { guard, port } = await serve(ctx, { max: 10, perClient: 10, headersTimeoutMs: 300 });
  const slow = await client(ctx, port, 'slow');
  await waitFor(() => slow.closed(), 3000, 'the slow client closed');
  assert.match(slow.received(), /^HTTP\/1\.1 408 /);
  assert.equal(guard.view().refused['idle-timeout'], 1);
  assert.equal(guard.view().open, 0);
});
