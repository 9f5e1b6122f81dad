// CPU time of another process read from /proc (Linux, proc(5)): utime and stime of
// /proc/<pid>/stat, and the same per thread from /proc/<pid>/task/<tid>/stat, so a window can
// say how much ran on the JS main thread and how much on libuv/V8 helper threads
// (docs/browser-notes.md §3). Undefined where /proc is absent (macOS): callers fall back to the
// child's own process.cpuUsage().
import { readdirSync, readFileSync } from 'node:fs';

/** USER_HZ: clock ticks per second in /proc times; 100 on every mainstream Linux build. */
const TICKS_PER_SEC = 100;

export interface ProcCpu {
  /** user + system, seconds, all threads. */
  totalSec: number;
  /** The thread whose tid equals the pid: the JS main thread. */
  mainThreadSec: number;
}

/**
 * proc(5): "pid (comm) state ppid ... utime stime ..."; comm may contain spaces and ')',
 * so fields are counted after the last ')'. utime is field 14, stime field 15 (1-based).
 */
export function parseStatTimes(stat: string): number | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) {
    return undefined;
  }
  const fields = stat.slice(close + 2).split(' ');
  // fields[0] is field 3 (state), so field n sits at index n - 3.
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / TICKS_PER_SEC : undefined;
}

export function readProcCpu(pid: number): ProcCpu | undefined {
  try {
    const total = parseStatTimes(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    const main = parseStatTimes(readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8'));
    if (total === undefined || main === undefined) {
      return undefined;
    }
    return { totalSec: total, mainThreadSec: main };
  } catch {
    return undefined;
  }
}

/** Threads of a process (main thread, libuv pool, V8 platform workers), for the report. */
export function threadCount(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/task`).length;
  } catch {
    return undefined;
  }
}

/**
 * The machine's CPU time from the first line of /proc/stat (proc(5): user nice system idle
 * iowait irq softirq steal …, in ticks): busy = everything but idle and iowait.
 */
export function readMachineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const v = line.trim().split(/\s+/).slice(1, 9).map(Number);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - v[3] - v[4], total };
  } catch {
    return undefined;
  }
}
