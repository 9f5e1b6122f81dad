// Files in the data dir are the gateway's alone (issue #20 point 10): the database and its WAL,
// the generated secrets, the storage key, recordings. A data dir that already existed (a Docker
// volume, a directory made by hand) says nothing about the modes of what we create in it, and the
// process umask is usually 022, which leaves new files readable by every local user. Every module
// that creates a file in the data dir goes through these helpers, so each file is 0600 from its
// first byte (or is made so at start when an older version left it open).
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  createWriteStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  statSync,
  writeSync,
  type WriteStream,
} from 'node:fs';
import { dirname, join } from 'node:path';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Creates the directory 0700 when it does not exist. An existing one is left as it is (it may be a
 * mount point we do not own); `openToOthers` tells the caller to warn when group or others may
 * list or enter it.
 */
export function ensurePrivateDir(dir: string): { created: boolean; openToOthers: boolean } {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
    return { created: true, openToOthers: false };
  }
  return { created: false, openToOthers: (statSync(dir).mode & 0o077) !== 0 };
}

/** The file exists afterwards with mode 0600: created empty, or its mode narrowed. */
export function ensurePrivateFile(path: string): void {
  if (existsSync(path)) {
    makePrivate(path);
    return;
  }
  // 'a' creates without truncating if someone else created it meanwhile; mode applies on creation.
  closeSync(openSync(path, 'a', PRIVATE_FILE_MODE));
  makePrivate(path); // a umask can only remove bits, but keep one rule for both branches
}

/** Narrows an existing file to 0600 (no-op when it already is, or is gone). */
export function makePrivate(path: string): void {
  try {
    if ((statSync(path).mode & 0o777) !== PRIVATE_FILE_MODE) {
      chmodSync(path, PRIVATE_FILE_MODE);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw err;
    }
  }
}

/**
 * Writes the whole file atomically: a 0600 temporary file beside it, synced, then renamed over
 * the target, so a reader (or a crash) never sees half a secret and the mode is right from the
 * first byte.
 */
export function writePrivateFile(path: string, data: string | Uint8Array): void {
  const tmp = join(dirname(path), `.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(tmp, 'wx', PRIVATE_FILE_MODE);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}

/** A write stream on a 0600 file (recordings, dumps); appends by default. */
export function createPrivateWriteStream(path: string, flags: 'a' | 'w' = 'a'): WriteStream {
  makePrivate(path);
  return createWriteStream(path, { flags, mode: PRIVATE_FILE_MODE });
}

/**
 * An SQLite database file and its companions. SQLite's unix VFS creates -wal, -journal and -shm
 * with the mode of the database file (os_unix.c, findCreateFileMode and the shm open), so the
 * database is created 0600 before SQLite opens it, and companions an older version left open are
 * narrowed.
 */
export function preparePrivateDatabase(path: string): void {
  ensurePrivateFile(path);
  for (const suffix of ['-wal', '-shm', '-journal']) {
    makePrivate(path + suffix);
  }
}
