// Issue #7's acceptance: the README's performance table is the one at the top of the latest
// results file, so a bench rerun without updating the README (or the reverse) fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../test/helpers/paths.js';

/** The first Markdown table starting with `| Figure |`, with its footnote lines. */
function headlineTable(markdown: string): string {
  const start = markdown.indexOf('| Figure |');
  assert.ok(start >= 0, 'no headline table');
  const footnote = markdown.indexOf('\n[1] ', start);
  assert.ok(footnote >= 0, 'no machine footnote after the table');
  return markdown.slice(start, markdown.indexOf('\n', footnote + 1));
}

test("the README's performance table is bench/results/latest.md's headline table", () => {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const latest = readFileSync(join(repoRoot, 'bench', 'results', 'latest.md'), 'utf8');
  assert.equal(headlineTable(readme), headlineTable(latest));
});
