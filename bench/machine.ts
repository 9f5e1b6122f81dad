// Describes the machine a run came from, so every figure can be quoted with it: CPU model and
// count (and a cgroup CPU quota when one applies), memory, OS, Node, load average at the start
// and end (other work on a shared box shows there), and the commit measured.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, release, totalmem, type } from 'node:os';
import { repoRoot } from './lib/paths.js';

export interface MachineInfo {
  cpuModel: string;
  cores: number;
  /** cgroup v2 cpu.max as cores, when limited. */
  cpuQuotaCores?: number;
  memoryGb: number;
  os: string;
  node: string;
  loadAvgStart: number[];
  loadAvgEnd?: number[];
  commit?: string;
  /** Uncommitted changes in the tree when measured. */
  dirty?: boolean;
}

function cgroupQuota(): number | undefined {
  try {
    const [quota, period] = readFileSync('/sys/fs/cgroup/cpu.max', 'utf8').trim().split(/\s+/);
    return quota && quota !== 'max' ? Number(quota) / Number(period) : undefined;
  } catch {
    return undefined;
  }
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return undefined;
  }
}

const la = (): number[] => loadavg().map((v) => Math.round(v * 100) / 100);

export function describeMachine(): MachineInfo {
  const quota = cgroupQuota();
  const commit = git(['rev-parse', '--short', 'HEAD']);
  const status = git(['status', '--porcelain', '--untracked-files=no']);
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    ...(quota !== undefined ? { cpuQuotaCores: quota } : {}),
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${type()} ${release()}`,
    node: process.version,
    loadAvgStart: la(),
    ...(commit ? { commit } : {}),
    ...(status !== undefined ? { dirty: status.length > 0 } : {}),
  };
}

/** The same machine with the load average of now as the start (a suite starting later in a run). */
export function restartMachine(m: MachineInfo): MachineInfo {
  const { loadAvgEnd: _end, ...rest } = m;
  return { ...rest, loadAvgStart: la() };
}

export function finishMachine(m: MachineInfo): MachineInfo {
  return { ...m, loadAvgEnd: la() };
}

/** One line for reports: "AMD EPYC, 2 cores, 23.5 GB RAM, Linux 6.1, Node v20.20.2". */
export function machineLine(m: MachineInfo): string {
  const quota = m.cpuQuotaCores !== undefined ? ` (cgroup quota ${m.cpuQuotaCores} cores)` : '';
  return `${m.cpuModel}, ${m.cores} cores${quota}, ${m.memoryGb} GB RAM, ${m.os}, Node ${m.node}`;
}

export function loadLine(m: MachineInfo): string {
  const end = m.loadAvgEnd ? `, ${m.loadAvgEnd[0]} at the end` : '';
  return `load average ${m.loadAvgStart[0]} at the start${end} (1-min, on ${m.cores} cores)`;
}
