// One byte range of a file read in one call (HTTP Range answers, MP4 export of stored fragments).
import { open } from 'node:fs/promises';

/** `length` bytes of `path` from `start`; fewer when the file ends first. */
export async function readFileRange(path: string, start: number, length: number): Promise<Uint8Array> {
  const fh = await open(path, 'r');
  try {
    const buf = new Uint8Array(length);
    const { bytesRead } = await fh.read(buf, 0, length, start);
    return buf.subarray(0, bytesRead);
  } finally {
    await fh.close();
  }
}
