import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../config.js';
import { clusterSettings } from './roles.js';

test('--role all (the default) needs no Redis and has no cluster settings', () => {
  const config = loadConfig([], {});
  assert.equal(config.role, 'all');
  assert.equal(clusterSettings(config), undefined);
});

test('--role signaling and media need --redis; the flags and GB_* variables set the cluster up', () => {
  assert.throws(() => clusterSettings(loadConfig(['--role', 'media'], {})), /--role media needs --redis/);
  const s = clusterSettings(
    loadConfig(['--role', 'media', '--redis', 'redis://10.0.0.2:6379/1', '--node-id', 'media-7'], {
      GB_NODE_TIMEOUT: '6',
      GB_CLUSTER_PREFIX: 'site-a:',
    }),
  );
  assert.equal(s?.role, 'media');
  assert.equal(s?.nodeId, 'media-7');
  assert.equal(s?.redisUrl, 'redis://10.0.0.2:6379/1');
  assert.equal(s?.heartbeatMs, 1000);
  assert.equal(s?.nodeTimeoutMs, 6000);
  assert.equal(s?.keys.node('media-7'), 'site-a:node:media-7');
});

test('bad cluster flags are refused with the flag named', () => {
  assert.throws(() => loadConfig(['--role', 'edge'], {}), /--role/);
  assert.throws(() => loadConfig(['--redis', 'localhost:6379'], {}), /--redis: expected redis:\/\//);
  assert.throws(() => loadConfig(['--advertise-http', 'media-a:8080'], {}), /--advertise-http/);
  assert.throws(
    () =>
      clusterSettings(
        loadConfig(
          ['--role', 'signaling', '--redis', 'redis://r', '--heartbeat-interval', '3', '--node-timeout', '4'],
          {},
        ),
      ),
    /at least two --heartbeat-interval/,
  );
});
