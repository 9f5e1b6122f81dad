// A burst of SIP datagrams that arrives while the event loop is busy must wait in the socket,
// not be dropped by the kernel (transport.ts asks for a 4 MiB receive buffer): with the 208 KiB
// default, 600 small datagrams already overflow it (each costs the kernel ~2 KiB with overhead),
// which at 1,000 alarms/s turned into UDP retransmissions of up to 7.5 s (bench suite `events`).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { SipTransport } from './transport.js';

const COUNT = 600;
const rmemMax = (() => {
  try {
    return Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
  } catch {
    return 0;
  }
})();

test(
  `${COUNT} datagrams sent while the loop is blocked are all received afterwards`,
  { skip: rmemMax < 2 * 1024 * 1024 ? `net.core.rmem_max is ${rmemMax}: the kernel caps the buffer` : false },
  async () => {
    const transport = await SipTransport.listen({ host: '127.0.0.1', port: 0 });
    let received = 0;
    transport.onMessage(() => received++);
    const done = new Int32Array(new SharedArrayBuffer(4));
    const body = 'x'.repeat(300);
    // The sender runs on its own thread, so it sends while this thread spins.
    const worker = new Worker(
      `const dgram = require('node:dgram');
       const { workerData } = require('node:worker_threads');
       const s = dgram.createSocket('udp4');
       let sent = 0;
       const next = () => {
         if (sent === workerData.count) { Atomics.store(workerData.done, 0, 1); s.close(); return; }
         const n = sent++;
         const msg = 'MESSAGE sip:34020000002000000001@3402000000 SIP/2.0\\r\\n' +
           'Via: SIP/2.0/UDP 127.0.0.1:5999;branch=z9hG4bKburst' + n + '\\r\\n' +
           'From: <sip:34020000001180000001@3402000000>;tag=b\\r\\nTo: <sip:34020000002000000001@3402000000>\\r\\n' +
           'Call-ID: burst-' + n + '\\r\\nCSeq: 1 MESSAGE\\r\\nContent-Length: ' + workerData.body.length + '\\r\\n\\r\\n' + workerData.body;
         s.send(msg, workerData.port, '127.0.0.1', next);
       };
       next();`,
      { eval: true, workerData: { port: transport.port, count: COUNT, done, body } },
    );
    // Block this thread until the worker has sent everything.
    const deadline = Date.now() + 10_000;
    while (Atomics.load(done, 0) === 0 && Date.now() < deadline) {
      // spin: the socket's datagrams pile up in the kernel meanwhile
    }
    assert.equal(Atomics.load(done, 0), 1, 'the worker sent every datagram');
    const until = Date.now() + 5000;
    while (received < COUNT && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 20));
    }
    await worker.terminate();
    await transport.close();
    assert.equal(received, COUNT);
  },
);
