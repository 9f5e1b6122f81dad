// Files the gateway creates in its data dir are 0600 whatever the umask, and files an older
// version left open are narrowed; SQLite's WAL and shared-memory files follow the database's mode.
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import {
  createPrivateWriteStream,
  ensurePrivateDir,
  ensurePrivateFile,
  preparePrivateDatabase,
  writePrivateFile,
} from './private-files.js';

const root = mkdtempSync(join(tmpdir(), 'gb-private-'));
const previousUmask = process.umask(0o022); // the usual umask, which leaves new files 0644
after(() => {
  process.umask(previousUmask);
  rmSync(root, { recursive: true, force: true });
});

const modeOf = (path: string): number => statSync(path).mode & 0o777;

test('a file created through the helpers is 0600 under umask 022; one left 0644 is narrowed', () => {
  const created = join(root, 'created');
  ensurePrivateFile(created);
  assert.equal(modeOf(created), 0o600);

  const old = join(root, 'old');
  writeFileSync(old, 'x', { mode: 0o644 });
  assert.equal(modeOf(old), 0o644);
  ensurePrivateFile(old);
  assert.equal(modeOf(old), 0o600);
  assert.equal(readFileSync(old, 'utf8'), 'x', 'narrowing keeps the content');
});

test('writePrivateFile replaces the file whole, 0600, and leaves no temporary file', () => {
  const dir = join(root, 'atomic');
  ensurePrivateDir(dir);
  const path = join(dir, 'secret');
  writeFileSync(path, 'old value', { mode: 0o644 });
  writePrivateFile(path, 'new value\n');
  assert.equal(readFileSync(path, 'utf8'), 'new value\n');
  assert.equal(modeOf(path), 0o600);
  assert.deepEqual(readdirSync(dir), ['secret']);
});

test('a private write stream (recordings) creates its file 0600', async () => {
  const path = join(root, 'recording.mp4');
  const stream = createPrivateWriteStream(path, 'w');
  await new Promise<void>((resolve, reject) =>
    stream.end(Buffer.from([1, 2, 3]), () => resolve()).on('error', reject),
  );
  assert.equal(modeOf(path), 0o600);
});

test('a new data dir is 0700; an existing open one is reported, not changed', () => {
  const fresh = join(root, 'fresh', 'data');
  assert.deepEqual(ensurePrivateDir(fresh), { created: true, openToOthers: false });
  assert.equal(modeOf(fresh), 0o700);
  const volume = join(root, 'volume');
  ensurePrivateDir(volume);
  chmodSync(volume, 0o755);
  assert.deepEqual(ensurePrivateDir(volume), { created: false, openToOthers: true });
  assert.equal(modeOf(volume), 0o755);
});

test('SQLite creates the WAL and shared-memory files with the mode of a database prepared 0600', () => {
  const path = join(root, 'gateway.db');
  preparePrivateDatabase(path);
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (1)');
  for (const file of [path, `${path}-wal`, `${path}-shm`]) {
    assert.equal(modeOf(file), 0o600, file);
  }
  db.close();
});

test('companions an older version left 0644 are narrowed before SQLite opens the database', () => {
  const path = join(root, 'older.db');
  const db = new Database(path); // created under umask 022: 0644, and so its WAL
  db.pragma('journal_mode = WAL');
  db.exec('CREATE TABLE t (x TEXT); INSERT INTO t VALUES (1)');
  const leftOpen = [path, `${path}-wal`, `${path}-shm`];
  assert.ok(
    leftOpen.every((f) => modeOf(f) === 0o644),
    'the old way leaves them readable by everyone',
  );
  preparePrivateDatabase(path);
  for (const file of leftOpen) {
    assert.equal(modeOf(file), 0o600, file);
  }
  db.close();
});
