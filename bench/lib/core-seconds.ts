// Where a timed phase's CPU went, machine-wide: core-seconds (user + system) of this process, of
// PostgreSQL's processes (every backend and background process of the machine's server) and of
// the Kafka broker, read from /proc before and after. A phase that keeps N cores busy for T
// seconds used N x T core-seconds; whatever the overlap, it cannot take less than
// total / cores seconds. Linux only (elsewhere every figure is NaN).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

export interface CoreSeconds {
  /** This process (the projector, or whatever the phase runs in the bench process). */
  readonly node: number;
  readonly postgres: number;
  readonly kafka: number;
  /** Minor page faults of the same processes (what a fault costs here: pageFaultMicros). */
  readonly faults: { readonly node: number; readonly postgres: number; readonly kafka: number };
}

const ticks = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

type Kind = 'node' | 'postgres' | 'kafka' | 'other';
/** Which java pids run the Kafka broker (their command line read once). */
const brokers = new Map<number, boolean>();

function kindOf(pid: number, comm: string): Kind {
  if (pid === process.pid) return 'node';
  if (comm === 'postgres') return 'postgres';
  if (comm !== 'java') return 'other';
  let broker = brokers.get(pid);
  if (broker === undefined) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      // gone meanwhile
    }
    broker = cmdline.includes('kafka.Kafka');
    brokers.set(pid, broker);
  }
  return broker ? 'kafka' : 'other';
}

/**
 * A process's comm and the fields of /proc/<pid>/stat after it ("pid (comm) state ppid ...": comm
 * may hold spaces and parentheses). minflt, utime and stime are the 10th, 14th and 15th fields of
 * the line: [7], [11] and [12] here. Undefined for a process gone meanwhile.
 */
function procStat(pid: number): { comm: string; fields: string[] } | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const close = stat.lastIndexOf(')');
  return {
    comm: stat.slice(stat.indexOf('(') + 1, close),
    fields: stat.slice(close + 2).split(' '),
  };
}

/** Each live process's kind and core-seconds used so far, by pid: take one before a phase. */
export type CoreSnapshot = ReadonlyMap<
  number,
  { readonly kind: Kind; readonly seconds: number; readonly faults: number }
>;

export function coreSnapshot(): CoreSnapshot {
  const out = new Map<number, { kind: Kind; seconds: number; faults: number }>();
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    const stat = procStat(pid);
    if (!stat) continue; // exited meanwhile
    const { fields } = stat;
    out.set(pid, {
      kind: kindOf(pid, stat.comm),
      seconds: (Number(fields[11]) + Number(fields[12])) / ticks,
      faults: Number(fields[7]),
    });
  }
  return out;
}

/**
 * What each kind used since `before`, process by process: a process started meanwhile counts
 * whole; one that exited meanwhile is not seen at the end and its share is lost (an
 * undercount: the bench's projectors and its INSERTs' connection outlive their phase).
 */
export function coreSecondsSince(before: CoreSnapshot, after = coreSnapshot()): CoreSeconds {
  if (after.size === 0) return UNKNOWN;
  const sum = { node: 0, postgres: 0, kafka: 0, other: 0 };
  const faults = { node: 0, postgres: 0, kafka: 0, other: 0 };
  for (const [pid, now] of after) {
    const earlier = before.get(pid);
    // A pid reused by another process meanwhile shows less than before: it counts whole.
    const same = earlier && earlier.seconds <= now.seconds && earlier.faults <= now.faults;
    sum[now.kind] += same ? now.seconds - earlier.seconds : now.seconds;
    faults[now.kind] += same ? now.faults - earlier.faults : now.faults;
  }
  return {
    node: sum.node,
    postgres: sum.postgres,
    kafka: sum.kafka,
    faults: { node: faults.node, postgres: faults.postgres, kafka: faults.kafka },
  };
}

/** What a phase gets where /proc cannot be read. */
export const UNKNOWN: CoreSeconds = {
  node: NaN,
  postgres: NaN,
  kafka: NaN,
  faults: { node: NaN, postgres: NaN, kafka: NaN },
};

export const totalCoreSeconds = (c: CoreSeconds): number => c.node + c.postgres + c.kafka;

/** The machine's cores, which bound how fast a phase's core-seconds can be spent. */
export const CORES = cpus().length;

/**
 * What one page fault costs on this machine, in microseconds: 64 MiB of memory never touched,
 * one byte written per 4 KiB page, best of three (a virtual machine can make this tens of times
 * a bare host's ~0.1-0.3 us; every fresh page the heap or a buffer takes pays it).
 */
export function pageFaultMicros(): number {
  const bytes = 64 * 1_048_576;
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const before = process.resourceUsage().minorPageFault;
    const start = process.hrtime.bigint();
    const buffer = Buffer.allocUnsafeSlow(bytes);
    for (let at = 0; at < bytes; at += 4096) buffer[at] = 1;
    const micros = Number(process.hrtime.bigint() - start) / 1e3;
    const faults = process.resourceUsage().minorPageFault - before;
    if (faults > 0) best = Math.min(best, micros / faults);
  }
  return best === Infinity ? NaN : best;
}
