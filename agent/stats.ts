// The kubelet's Summary API (/stats/summary, k8s.io/kubelet stats/v1alpha1)
// for this node: what each running container and the node use. CPU use is
// a rate, so samples are taken every few seconds and the newest is compared
// with one at least a second older; the window between them goes along, as
// metrics-server reports it.
import type { ContainerRuntime } from './runtime.ts';
import { nodeUsage, type ContainerUsage } from './usage.ts';
import { errMsg, warn } from './log.ts';

interface Sample extends ContainerUsage { at: number }
interface Rate { usageNanoCores: number; usageCoreNanoSeconds: number; workingSetBytes: number; at: number; windowMs: number }

/** How often containers are sampled between requests, so that a rate is ready when asked for. */
export const SAMPLE_INTERVAL_MS = 5000;
/** A baseline must be this much older than the newest sample for a rate to mean something. */
const MIN_WINDOW_MS = 1000;
const NODE = '\0node';

export class StatsCollector {
  /** Per container id (and the node): [baseline, newest]. */
  private readonly samples = new Map<string, [Sample, Sample]>();
  private timer?: NodeJS.Timeout;
  private sampling?: Promise<void>;

  constructor(private readonly runtime: ContainerRuntime, private readonly nodeName: string, private readonly startTime = new Date()) {}

  start() {
    this.timer = setInterval(() => void this.sample(), SAMPLE_INTERVAL_MS);
    this.timer.unref();
    void this.sample();
  }

  close() {
    clearInterval(this.timer);
  }

  private remember(key: string, usage: ContainerUsage, at: number) {
    const now: Sample = { ...usage, at };
    const prev = this.samples.get(key);
    if (!prev) this.samples.set(key, [now, now]);
    // the newest becomes the baseline once it is old enough; until then the older baseline stays
    else this.samples.set(key, [now.at - prev[1].at >= MIN_WINDOW_MS ? prev[1] : prev[0], now]);
  }

  /** One sample of the node and every running container (one at a time: a sample in progress is shared). */
  sample(): Promise<void> {
    this.sampling ??= (async () => {
      try {
        const at = Date.now();
        this.remember(NODE, nodeUsage(), at);
        const running = this.runtime.list().filter((c) => c.state === 'running');
        const live = new Set([NODE, ...running.map((c) => c.id)]);
        await Promise.all(running.map(async (c) => {
          const u = await this.runtime.usage(c.id);
          if (u) this.remember(c.id, u, Date.now());
        }));
        for (const key of this.samples.keys()) if (!live.has(key)) this.samples.delete(key);
      } catch (e) {
        warn(`stats: sampling failed: ${errMsg(e)}`);
      } finally {
        this.sampling = undefined;
      }
    })();
    return this.sampling;
  }

  private rate(key: string): Rate | undefined {
    const s = this.samples.get(key);
    if (!s) return undefined;
    const [base, now] = s;
    const windowMs = now.at - base.at;
    if (windowMs < MIN_WINDOW_MS) return undefined;
    const usageNanoCores = Math.max(0, Math.round((now.cpuCoreNanoSeconds - base.cpuCoreNanoSeconds) / (windowMs / 1000)));
    return { usageNanoCores, usageCoreNanoSeconds: now.cpuCoreNanoSeconds, workingSetBytes: now.workingSetBytes, at: now.at, windowMs };
  }

  /** The Summary, after a fresh sample; containers without a rate yet have no usageNanoCores. */
  async summary(): Promise<object> {
    await this.sample();
    const time = (at: number) => new Date(at).toISOString();
    const cpu = (r: Rate) => ({ time: time(r.at), usageNanoCores: r.usageNanoCores, usageCoreNanoSeconds: r.usageCoreNanoSeconds });
    const memory = (r: Rate) => ({ time: time(r.at), workingSetBytes: r.workingSetBytes });
    const node = this.rate(NODE);
    const pods = new Map<string, { podRef: object; startTime?: string; containers: object[] }>();
    let windowMs = node?.windowMs ?? 0;
    for (const c of this.runtime.list()) {
      if (c.state !== 'running') continue;
      const r = this.rate(c.id);
      const pod = pods.get(c.podUid) ?? { podRef: { name: c.podName, namespace: c.namespace, uid: c.podUid }, startTime: c.startedAt, containers: [] };
      pods.set(c.podUid, pod);
      pod.containers.push({ name: c.container, startTime: c.startedAt, ...(r ? { cpu: cpu(r), memory: memory(r) } : {}) });
      if (r) windowMs = Math.max(windowMs, r.windowMs);
    }
    return {
      node: {
        nodeName: this.nodeName, startTime: this.startTime.toISOString(),
        ...(node ? { cpu: cpu(node), memory: memory(node) } : {}),
      },
      pods: [...pods.values()],
      // not in the kubelet's Summary: the sampling window metrics-server would report
      window: `${(windowMs / 1000).toFixed(3).replace(/\.?0+$/, '')}s`,
    };
  }
}
