// Issue #7's acceptance: the README's performance table is the one at the top of the latest
// results file, so a README edited by hand (or results written without the README) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../../test/helpers/paths.js';
import { headlineTableOf, syncReadmeTable } from './readme-table.js';

test("the README's performance table is bench/results/latest.md's headline table", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const latest = readFileSync(join(repoRoot, 'bench', 'results', 'latest.md'), 'utf8');
  const table = headlineTableOf(latest);
  assert.ok(table, 'latest.md has no headline table');
  assert.equal(headlineTableOf(readme), table);
});

test('syncReadmeTable replaces the table and its footnotes, and nothing around them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-table-'));
  try {
    const path = join(dir, 'README.md');
    writeFileSync(
      path,
      '# Title\n\n| Figure | Old |\n|---|---|\n| a | 1 |\n\n[1] old machine  \n[2] other\n\nAfter.\n',
    );
    const latest = 'Intro\n\n| Figure | New |\n|---|---|\n| b | 2 |\n\n[1] new machine\n\n## Next\n';
    assert.equal(syncReadmeTable(path, latest), true);
    assert.equal(
      readFileSync(path, 'utf8'),
      '# Title\n\n| Figure | New |\n|---|---|\n| b | 2 |\n\n[1] new machine\n\nAfter.\n',
    );
    assert.equal(syncReadmeTable(path, 'no table here'), false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
