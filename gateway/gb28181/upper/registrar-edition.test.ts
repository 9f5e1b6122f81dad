// REGISTER X-GB-Ver (2022 Annex I) → the edition the device reports (docs/gb28181.md §5.4, §12).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gbEditionOf } from './registrar.js';

test('X-GB-Ver 1.0, 2.0, 3.0 name the 2011, 2016 and 2022 editions; anything else names none', () => {
  assert.equal(gbEditionOf('3.0'), '2022');
  assert.equal(gbEditionOf(' 3.0 '), '2022');
  assert.equal(gbEditionOf('3'), '2022');
  assert.equal(gbEditionOf('2.0'), '2016');
  assert.equal(gbEditionOf('1.0'), '2011');
  for (const junk of [undefined, '', '4.0', 'v3', '3.0.1.2', 'three']) {
    assert.equal(gbEditionOf(junk), undefined, String(junk));
  }
});
