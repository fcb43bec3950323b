// CPU time spent by each process of an HTTP measurement: the target, the sink, Redis and the
// load generator (this process). On a shared 2-core machine these compete for the same cores,
// so CPU per delivered lead says where a throughput ceiling comes from.
import { readFileSync } from 'node:fs';
import { redisInfo } from './redis-keys.ts';

/** Linux reports process CPU in clock ticks; 100 per second on every common kernel config. */
const TICKS_PER_SECOND = 100;

/** CPU ms (user + system, all threads) a process has used so far; null where /proc is missing. */
function processCpuMs(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** CPU ms Redis has used so far (INFO cpu, user + system). */
async function redisCpuMs(url: string): Promise<number | null> {
  try {
    const info = await redisInfo(url, 'cpu');
    const sys = /^used_cpu_sys:([\d.]+)/m.exec(info), user = /^used_cpu_user:([\d.]+)/m.exec(info);
    return sys && user ? (Number(sys[1]) + Number(user[1])) * 1000 : null;
  } catch {
    return null;
  }
}

const selfCpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

export interface CpuReading {
  target: number | null;
  sink: number | null;
  redis: number | null;
  load: number;
}

export async function readCpu(targetPid: number | undefined, sinkPid: number | undefined, redisUrl?: string): Promise<CpuReading> {
  return {
    target: processCpuMs(targetPid),
    sink: processCpuMs(sinkPid),
    redis: redisUrl ? await redisCpuMs(redisUrl) : null,
    load: selfCpuMs(),
  };
}

/** CPU µs per lead of each process between two readings (null where a process was not read). */
export function cpuPerLead(before: CpuReading, after: CpuReading, leads: number): Record<keyof CpuReading, number | null> {
  const per = (k: keyof CpuReading) => {
    const a = after[k], b = before[k];
    return a === null || b === null || leads <= 0 ? null : ((a - b) * 1000) / leads;
  };
  return { target: per('target'), sink: per('sink'), redis: per('redis'), load: per('load') };
}
