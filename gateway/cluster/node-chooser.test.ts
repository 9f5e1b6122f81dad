import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseNode, type Candidate } from './node-chooser.js';
import type { NodeStatus } from './protocol.js';

const node = (nodeId: string, streams: number, cpuPercent = 0, bitrateInKbps = 0): NodeStatus => ({
  nodeId,
  http: `http://${nodeId}:8080`,
  mediaIp: '10.0.0.1',
  seq: 1,
  load: { streams, bitrateInKbps, bitrateOutKbps: 0, cpuPercent },
  streams: {},
});
const c = (status: NodeStatus, assigned = 0): Candidate => ({ status, assigned });

test('the node with the fewest streams wins, whatever its CPU', () => {
  assert.equal(chooseNode([c(node('a', 3, 5)), c(node('b', 2, 90))])?.nodeId, 'b');
});

test('streams placed since the last heartbeat count, so a burst of INVITEs alternates between nodes', () => {
  const a = node('a', 0);
  const b = node('b', 0);
  const assigned = new Map([
    ['a', 0],
    ['b', 0],
  ]);
  const picks: string[] = [];
  for (let i = 0; i < 6; i++) {
    const pick = chooseNode([c(a, assigned.get('a')), c(b, assigned.get('b'))])!.nodeId;
    assigned.set(pick, assigned.get(pick)! + 1);
    picks.push(pick);
  }
  assert.deepEqual(picks, ['a', 'b', 'a', 'b', 'a', 'b']);
});

test('equal streams: lower CPU (in 10 % steps), then lower ingest bitrate, then the node ID decide', () => {
  assert.equal(chooseNode([c(node('a', 1, 60)), c(node('b', 1, 20))])?.nodeId, 'b');
  assert.equal(chooseNode([c(node('a', 1, 21, 100)), c(node('b', 1, 24, 4000))])?.nodeId, 'a');
  assert.equal(chooseNode([c(node('b', 1, 20, 100)), c(node('a', 1, 20, 100))])?.nodeId, 'a');
});

test('excluded nodes are skipped, and no candidate means no choice', () => {
  assert.equal(chooseNode([c(node('a', 0)), c(node('b', 9))], new Set(['a']))?.nodeId, 'b');
  assert.equal(chooseNode([]), undefined);
  assert.equal(chooseNode([c(node('a', 0))], new Set(['a'])), undefined);
});
