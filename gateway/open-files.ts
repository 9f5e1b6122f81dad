// The process's open-file limit (RLIMIT_NOFILE) and the connection caps derived from it (issue #20
// point 7). Every socket is a file descriptor: when HTTP clients hold all of them, accept() fails
// for everyone, SIP over TCP stops, and the media sockets of new streams cannot be opened. So the
// HTTP and SIP-over-TCP caps stay well below the limit, leaving the rest for media (a UDP socket
// per stream and per WebRTC viewer, TCP media, ffmpeg pipes) and the process itself (database,
// logs). Node cannot read or raise the limit; Linux shows it in /proc/self/limits.
import { readFileSync } from 'node:fs';

export interface OpenFileLimit {
  soft: number | null;
  hard: number | null;
}

/** Below this an operator should raise the limit: a wall of viewers and devices needs more. */
export const LOW_OPEN_FILE_LIMIT = 4096;

/** The limit as /proc/self/limits states it; nulls where unreadable, or for "unlimited". */
export function readOpenFileLimit(limitsText?: string): OpenFileLimit {
  let text = limitsText;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/self/limits', 'utf8');
    } catch {
      return { soft: null, hard: null };
    }
  }
  const line = text.split('\n').find((l) => l.startsWith('Max open files'));
  const [soft, hard] = (line?.slice('Max open files'.length).trim().split(/\s+/) ?? []).map((v) =>
    /^\d+$/.test(v ?? '') ? Number(v) : null,
  );
  return { soft: soft ?? null, hard: hard ?? null };
}

export interface ConnectionCaps {
  http: number;
  sipTcp: number;
}

/**
 * Shares of the soft limit: 40 % for HTTP, 20 % for SIP over TCP, the remaining 40 % for media
 * and the process. A configured cap (non-zero) wins. Without a readable limit, 1024 is assumed,
 * the common default.
 */
export function connectionCaps(
  limit: OpenFileLimit,
  configured: Partial<ConnectionCaps> = {},
): ConnectionCaps {
  const fds = limit.soft ?? 1024;
  return {
    http: configured.http || Math.max(16, Math.floor(fds * 0.4)),
    sipTcp: configured.sipTcp || Math.max(8, Math.floor(fds * 0.2)),
  };
}
