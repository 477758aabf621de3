// CPU time and memory read from /proc, for the process runtime's containers
// (a container is a process and its descendants) and for the node itself:
// the numbers cAdvisor reads from cgroups, taken from procfs where a
// container has no cgroup of its own.
import fs from 'node:fs';

/** Cumulative CPU time and current memory of a container, as cAdvisor reports them to the kubelet. */
export interface ContainerUsage { cpuCoreNanoSeconds: number; workingSetBytes: number }

/** USER_HZ: the unit of /proc's CPU times, 100 on every Linux ABI Node runs on. */
const TICK_NS = 1e9 / 100;
const PAGE_BYTES = 4096;

interface ProcStat { pid: number; ppid: number; ticks: number; rssPages: number }

/** Fields of /proc/<pid>/stat after the command (which may hold spaces and parentheses). */
function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // f[0] is field 3 (state): ppid is 4, utime 14, stime 15, rss 24
  return { pid, ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), rssPages: Number(f[21]) };
}

/** A process and all its descendants, from one pass over /proc. */
function processTree(root: number): ProcStat[] {
  const all: ProcStat[] = [];
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = readStat(Number(entry));
    if (s) all.push(s);
  }
  const children = new Map<number, ProcStat[]>();
  for (const s of all) children.set(s.ppid, [...(children.get(s.ppid) ?? []), s]);
  const tree: ProcStat[] = [];
  const rootStat = all.find((s) => s.pid === root);
  if (!rootStat) return tree;
  const queue = [rootStat];
  while (queue.length) {
    const s = queue.shift()!;
    tree.push(s);
    queue.push(...(children.get(s.pid) ?? []));
  }
  return tree;
}

/** What a process tree uses: its CPU time (exited children's included, as the kernel folds them into a waiting parent) and resident memory. */
export function processUsage(pid: number): ContainerUsage | undefined {
  const tree = processTree(pid);
  if (!tree.length) return undefined;
  return {
    cpuCoreNanoSeconds: tree.reduce((n, s) => n + s.ticks, 0) * TICK_NS,
    workingSetBytes: tree.reduce((n, s) => n + s.rssPages, 0) * PAGE_BYTES,
  };
}

/** The node's busy CPU time (all CPUs) from /proc/stat, and its memory in use from /proc/meminfo. */
export function nodeUsage(): ContainerUsage {
  const cpu = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal: idle and iowait are not usage
  const busy = cpu[0] + cpu[1] + cpu[2] + cpu[5] + cpu[6] + (cpu[7] ?? 0);
  const mem: Record<string, number> = {};
  for (const line of fs.readFileSync('/proc/meminfo', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line);
    if (m) mem[m[1]] = Number(m[2]) * 1024;
  }
  const total = mem.MemTotal ?? 0;
  const available = mem.MemAvailable ?? mem.MemFree ?? 0;
  return { cpuCoreNanoSeconds: busy * TICK_NS, workingSetBytes: total - available };
}
