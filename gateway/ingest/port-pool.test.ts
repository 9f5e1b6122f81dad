import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { PortPool } from './port-pool.js';

async function bindUdp(port: number): Promise<Socket> {
  const socket = createSocket('udp4');
  socket.bind(port, '127.0.0.1');
  try {
    await Promise.race([
      once(socket, 'listening'),
      once(socket, 'error').then(([e]) => Promise.reject(e as Error)),
    ]);
  } catch (err) {
    socket.close();
    throw err;
  }
  return socket;
}

test('ports are handed out round-robin and a released port is not reused at once', () => {
  const pool = new PortPool({ min: 40000, max: 40002 });
  assert.equal(pool.allocate(), 40000);
  assert.equal(pool.allocate(), 40001);
  pool.release(40000);
  assert.equal(pool.allocate(), 40002);
  assert.equal(pool.allocate(), 40000);
  assert.equal(pool.allocate(), undefined, 'exhausted');
  pool.release(40001);
  pool.release(40001);
  assert.equal(pool.inUse, 2);
  assert.equal(pool.allocate(), 40001);
});

test('invalid ranges are refused', () => {
  assert.throws(() => new PortPool({ min: 5, max: 4 }));
  assert.throws(() => new PortPool({ min: 0, max: 10 }));
  assert.throws(() => new PortPool({ min: 1, max: 70000 }));
});

test('bind() skips a port held by another socket and takes the next one', async () => {
  const squatter = await bindUdp(0);
  const taken = squatter.address().port;
  const pool = new PortPool({ min: taken, max: taken + 1 });
  const got = await pool.bind(bindUdp);
  try {
    assert.ok(got);
    assert.equal(got.port, taken + 1);
    assert.equal(pool.allocate(), undefined, 'the foreign port stays quarantined');
    pool.release(got.port);
  } finally {
    got?.value.close();
    squatter.close();
  }
});

test('bind() resolves undefined when every port is taken', async () => {
  const squatter = await bindUdp(0);
  const pool = new PortPool({ min: squatter.address().port, max: squatter.address().port });
  try {
    assert.equal(await pool.bind(bindUdp), undefined);
    assert.equal(pool.inUse, 0);
  } finally {
    squatter.close();
  }
});

test('bind() releases the port and rethrows other errors', async () => {
  const pool = new PortPool({ min: 40100, max: 40101 });
  await assert.rejects(
    pool.bind(() => Promise.reject(new Error('odd'))),
    /odd/,
  );
  assert.equal(pool.inUse, 0);
});
