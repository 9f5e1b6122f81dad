// Where tests find the repo and the shared vectors, whether run from dist/ or through tsx.
import { existsSync, readFileSync } from 'node:fs';
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
/** ../shared/vectors beside the repo (CI has it too); never copied into the repo. */
export const vectorsDir = process.env.GB_VECTORS_DIR ?? resolve(repoRoot, '..', 'shared', 'vectors');

/** Whether the shared vectors are present beside the repo. */
export function haveVectors(): boolean {
  return existsSync(join(vectorsDir, 'manifest.json'));
}

export interface VectorExpectation {
  video: 'H264' | 'H265';
  width: number;
  height: number;
  videoFrames: number;
  keyframes: number;
  audio: 'PCMA' | 'PCMU' | null;
  audioBytes: number;
  psm: boolean;
}

export interface VectorManifest {
  files: Record<string, VectorExpectation>;
  rtp: Record<string, { packets?: number; payloadBytes?: number; ssrc?: number; from?: string }>;
}

export function loadManifest(): VectorManifest {
  return JSON.parse(readFileSync(join(vectorsDir, 'manifest.json'), 'utf8')) as VectorManifest;
}

export function loadVector(name: string): Uint8Array {
  const buf = readFileSync(join(vectorsDir, name));
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}
