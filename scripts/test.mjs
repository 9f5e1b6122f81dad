// Runs the compiled test files with node:test. Test files are passed explicitly because
// Node 20 runs every .js file under a directory named test/ when given a directory.
// TEST_FILTER=substring narrows the run; unit, integration and e2e files all run by default.
// Long scenarios (*.long.test.js: minutes of soak or thousands of connections, each with a short
// version in the default run) run only with TEST_LONG=1 (`npm run test:long`).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const dist = join(root, 'dist');

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules') continue;
    const full = join(dir, name);
    if (statSync(full).isDirectory()) walk(full, out);
    else if (name.endsWith('.test.js')) out.push(full);
  }
  return out;
}

const filter = process.env.TEST_FILTER;
const long = process.env.TEST_LONG === '1';
const files = walk(dist, [])
  .filter((f) => f.endsWith('.long.test.js') === long)
  .filter((f) => !filter || relative(dist, f).includes(filter))
  .sort();
if (files.length === 0) {
  console.error('no test files found under dist/');
  process.exit(1);
}
// Heavy suites (sockets, browsers, sipp) run one file at a time on this 2-core machine.
const args = [
  '--test',
  '--test-reporter=spec',
  `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 1}`,
  ...files,
];
// NODE_ENV=test keeps expected warnings (refused passwords, junk packets) out of the test output.
const env = { ...process.env, NODE_ENV: process.env.NODE_ENV ?? 'test' };
const result = spawnSync(process.execPath, args, { stdio: 'inherit', cwd: root, env });
process.exit(result.status ?? 1);
