// Where the benchmarks read and write, whether run from dist/bench/ (npm run bench) or from
// source through tsx: the repo root is the nearest directory above with package.json and codecs/.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  let dir = start;
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'codecs'))) {
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) {
      throw new Error(`repo root not found above ${start}`);
    }
    dir = parent;
  }
}

export const repoRoot = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
/** The bench/ source directory (not dist/bench): results and the baseline live here. */
export const benchDir = join(repoRoot, 'bench');
export const resultsDir = join(benchDir, 'results');
export const baselinePath = join(benchDir, 'baseline.json');
/** Generated media and child logs; gitignored. */
export const cacheDir = join(benchDir, '.cache');
/** ../shared/vectors beside the repo, as the tests use (GB_VECTORS_DIR overrides). */
export const vectorsDir = process.env.GB_VECTORS_DIR ?? resolve(repoRoot, '..', 'shared', 'vectors');
/** Committed test clips (test/fixtures/README.md). */
export const fixtureMedia = (name: string): string => join(repoRoot, 'test', 'fixtures', 'media', name);

export function ensureDir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** A compiled sibling module of the caller, e.g. childModule(import.meta.url, '../children/x.js'). */
export function childModule(from: string, relative: string): string {
  return fileURLToPath(new URL(relative, from));
}
