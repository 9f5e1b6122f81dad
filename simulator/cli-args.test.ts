import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_WRONG_SSRC, parseCliArgs } from './cli-args.js';

test('the contract flags parse into simulator options', () => {
  const r = parseCliArgs([
    '--server',
    '10.0.0.10:5060',
    '--server-id',
    '34020000002000000001',
    '--realm',
    '3402000000',
    '--password',
    'pw',
    '--devices',
    '1000',
    '--channels',
    '4',
    '--transport',
    'tcp',
    '--media',
    'a.h264,b.h265',
    '--audio',
    'x.g711u',
    '--device-id-base',
    '34020000001180000101',
    '--vendor',
    'hikvision',
    '--loss',
    '0.05',
    '--reorder',
    '0.01',
    '--jitter-ms',
    '30',
    '--wrong-ssrc',
    '--silent-after',
    '10',
  ]);
  assert.ok(r.ok, !r.ok ? r.error : '');
  const o = r.value.simulator;
  assert.deepEqual(o.server, { host: '10.0.0.10', port: 5060 });
  assert.equal(o.devices, 1000);
  assert.equal(o.transport, 'tcp');
  assert.deepEqual(o.media, ['a.h264', 'b.h265']);
  assert.equal(o.audio, 'x.g711u');
  assert.equal(o.vendor, 'hikvision');
  assert.equal(o.deviceIdBase, '34020000001180000101');
  assert.deepEqual(o.faults, {
    loss: 0.05,
    reorder: 0.01,
    jitterMs: 30,
    wrongSsrc: DEFAULT_WRONG_SSRC,
    silentAfterSec: 10,
  });
});

test('--flag=value, --wrong-ssrc with a value, switches, and the defaults', () => {
  const r = parseCliArgs([
    '--server=[::1]:5070',
    '--wrong-ssrc',
    '0',
    '--no-audio',
    '--catalog-shuffle',
    '--block-udp',
    '--charset',
    'utf8',
    '--json',
  ]);
  assert.ok(r.ok);
  assert.deepEqual(r.value.simulator.server, { host: '::1', port: 5070 });
  assert.equal(r.value.simulator.faults?.wrongSsrc, 0);
  assert.equal(r.value.simulator.faults?.blockUdp, true);
  assert.equal(r.value.simulator.audio, null);
  assert.equal(r.value.simulator.paging?.shuffle, true);
  assert.equal(r.value.simulator.charset, 'UTF-8');
  assert.equal(r.value.json, true);
  const d = parseCliArgs([]);
  assert.ok(d.ok);
  assert.deepEqual(d.value.simulator.server, { host: '127.0.0.1', port: 5060 });
});

test('bad input comes back as an error naming the flag, never as an exception', () => {
  for (const [args, pattern] of [
    [['--devices', '0'], /--devices expects an integer ≥ 1/],
    [['--loss', '2'], /--loss expects a number ≥ 0 ≤ 1/],
    [['--server', 'nohost'], /--server expects HOST:PORT/],
    [['--vendor', 'sony'], /--vendor/],
    [['--device-id-base', '123'], /20-digit/],
    [['--bogus'], /unknown flag --bogus/],
    [['stray'], /unexpected argument/],
    [['--json=1'], /takes no value/],
    [['--devices'], /--devices expects/],
    [['--gb-version', '2011'], /--gb-version expects 2016 or 2022/],
    [['--sub-stream', 'maybe'], /--sub-stream expects honour, main-only or ignore/],
  ] as const) {
    const r = parseCliArgs(args);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : '', pattern);
  }
});

test('sub-stream and edition flags: --sub-media, --no-sub-media, --sub-stream, --gb-version', () => {
  const r = parseCliArgs([
    '--sub-media',
    'a-sub.h264,b-sub.h264',
    '--sub-stream',
    'main-only',
    '--gb-version=2022',
  ]);
  assert.ok(r.ok);
  assert.deepEqual(r.value.simulator.subMedia, ['a-sub.h264', 'b-sub.h264']);
  assert.equal(r.value.simulator.subStream, 'main-only');
  assert.equal(r.value.simulator.gbVersion, '2022');
  const none = parseCliArgs(['--no-sub-media']);
  assert.ok(none.ok);
  assert.deepEqual(none.value.simulator.subMedia, []);
});

test('voice broadcast flags override the vendor behaviour field by field', () => {
  const r = parseCliArgs([
    '--vendor',
    'dahua',
    '--broadcast-forms',
    'ps,rtp',
    '--broadcast-invite',
    'source',
    '--broadcast-transport',
    'tcp-active',
    '--broadcast-no-invite',
  ]);
  assert.ok(r.ok);
  assert.deepEqual(r.value.simulator.broadcast, {
    forms: ['ps', 'rtp'],
    inviteTo: 'source',
    transport: 'tcp-active',
    invites: false,
  });
  const bad = parseCliArgs(['--broadcast-forms', 'opus']);
  assert.ok(!bad.ok && /--broadcast-forms expects rtp, ps/.test(bad.error));
});
