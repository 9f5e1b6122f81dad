import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../log.js';
import type { PlayIdentity } from '../gb28181/upper/upper-platform.js';
import type { StreamView } from '../views/services.js';
import { failOver, type FailoverDeps } from './failover.js';

const id = (streamId: string): PlayIdentity => ({
  streamId,
  deviceId: '34020000001180000001',
  channelId: streamId,
  kind: 'live',
});

function deps(over: Partial<FailoverDeps>, log: string[]): FailoverDeps {
  const plays = new Map([['s1', id('s1')]]);
  return {
    streamsOn: () => ['s1'],
    directoryOn: () =>
      Promise.resolve([
        { ...id('s1'), nodeId: 'a', http: 'http://a', ingestId: 'x', since: '' },
        { ...id('s2'), nodeId: 'a', http: 'http://a', ingestId: 'y', since: '' },
      ]),
    playIdentity: (s) => plays.get(s),
    dropNode: (n, cause) => {
      log.push(`drop ${n}: ${cause}`);
      plays.clear(); // the plays end when their ingests do
    },
    replay: (p) => {
      log.push(`replay ${p.streamId}`);
      return Promise.resolve({ streamId: p.streamId } as StreamView);
    },
    log: createLogger('test'),
    retryDelayMs: 1,
    ...over,
  };
}

test('identities are taken before the node is dropped, then every stream (plays and directory) is invited again', async () => {
  const log: string[] = [];
  const r = await failOver(deps({}, log), 'a');
  assert.equal(log[0], 'drop a: media node a lost');
  assert.deepEqual(log.slice(1).sort(), ['replay s1', 'replay s2']);
  assert.deepEqual(r.moved.sort(), ['s1', 's2']);
  assert.deepEqual(r.failed, []);
});

test('a replay that keeps failing is retried, then reported with its error', async () => {
  const log: string[] = [];
  let tries = 0;
  const r = await failOver(
    deps(
      {
        replay: (p) => {
          if (p.streamId === 's2') {
            tries++;
            return Promise.reject(new Error('no media node is alive'));
          }
          return Promise.resolve({ streamId: p.streamId } as StreamView);
        },
        attempts: 3,
      },
      log,
    ),
    'a',
  );
  assert.equal(tries, 3);
  assert.deepEqual(r.moved, ['s1']);
  assert.deepEqual(r.failed, [{ streamId: 's2', error: 'no media node is alive' }]);
});
