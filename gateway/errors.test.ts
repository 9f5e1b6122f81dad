import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, GatewayError } from './errors.js';
import { repoRoot } from '../test/helpers/paths.js';

test('every GW_ERR_* code has an HTTP status and a message, and docs/errors.md lists exactly these codes', () => {
  const doc = readFileSync(join(repoRoot, 'docs', 'errors.md'), 'utf8');
  const documented = new Map(
    [...doc.matchAll(/^\| `(GW_ERR_[A-Z_]+)` \| (\d{3}) \|/gm)].map((m) => [m[1], Number(m[2])]),
  );
  for (const [code, { status, message }] of Object.entries(ErrorCodes)) {
    assert.ok(status >= 400 && status < 600, code);
    assert.ok(message.length > 10, code);
    assert.equal(documented.get(code), status, `docs/errors.md row for ${code}`);
  }
  assert.equal(documented.size, Object.keys(ErrorCodes).length, 'docs list a code the table does not have');
});

test('GatewayError serializes to the contract shape', () => {
  const e = new GatewayError('GW_ERR_DEVICE_OFFLINE', 'device 34020000001180000001 is offline');
  assert.deepEqual(e.toJSON(), {
    error: { code: 'GW_ERR_DEVICE_OFFLINE', message: 'device 34020000001180000001 is offline' },
  });
  assert.equal(e.status, 409);
});
