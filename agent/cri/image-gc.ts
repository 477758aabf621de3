// Image garbage collection as the kubelet's image manager does it: when the
// image filesystem's usage reaches the high threshold, unused images go,
// least recently used first, until usage is under the low threshold. An image
// is in use while any container the runtime holds (running or exited, of any
// node) was made from it; the sandbox image is never removed; an image seen
// for less than the minimum age stays (it may be about to be used).
import fs from 'node:fs';
import { errMsg, log, warn } from '../log.ts';
import type { CriClient, Msg } from './client.ts';

export interface ImageGCPolicy {
  /** Percent of the image filesystem at which collection starts (kubelet --image-gc-high-threshold, 85). */
  highThresholdPercent: number;
  /** Percent it frees down to (--image-gc-low-threshold, 80). */
  lowThresholdPercent: number;
  /** Images seen for less than this are kept (--minimum-image-ttl-duration, 2m). */
  minAgeMs: number;
  /** How often it looks (the kubelet's 5 minutes). */
  periodMs: number;
}

export const DEFAULT_IMAGE_GC: ImageGCPolicy = { highThresholdPercent: 85, lowThresholdPercent: 80, minAgeMs: 120_000, periodMs: 300_000 };

interface Record_ { firstDetected: number; lastUsed: number; size: number; names: string[] }

export class ImageGC {
  private readonly images = new Map<string, Record_>();
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(private readonly client: CriClient, private readonly policy: ImageGCPolicy) {}

  start() {
    this.timer = setInterval(() => void this.collect(), this.policy.periodMs);
    this.timer.unref();
  }

  stop() {
    clearInterval(this.timer);
  }

  /** One pass; resolves to the number of bytes freed. */
  async collect(): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      return await this.pass();
    } catch (e) {
      warn(`image garbage collection: ${errMsg(e)}`);
      return 0;
    } finally {
      this.running = false;
    }
  }

  private async pass(): Promise<number> {
    const now = Date.now();
    const [{ images = [] }, { containers = [] }, status] = await Promise.all([
      this.client.img('ListImages', {}), this.client.rt('ListContainers', {}), this.client.rt('Status', { verbose: true }),
    ]);
    const inUse = new Set<string>();
    for (const c of containers as Msg[]) {
      if (c.image_ref) inUse.add(String(c.image_ref));
      if (c.image?.image) inUse.add(String(c.image.image));
    }
    let sandboxImage = '';
    try { sandboxImage = JSON.parse(status.info?.config ?? '{}').sandboxImage ?? ''; } catch { /* none */ }
    const present = new Set<string>();
    for (const img of images as Msg[]) {
      const id = String(img.id);
      present.add(id);
      const names = [...(img.repo_tags ?? []), ...(img.repo_digests ?? [])];
      const rec = this.images.get(id) ?? { firstDetected: now, lastUsed: 0, size: 0, names };
      rec.size = Number(img.size ?? 0);
      rec.names = names;
      const used = inUse.has(id) || names.some((n) => inUse.has(n));
      if (used || img.pinned || names.includes(sandboxImage)) rec.lastUsed = Number.POSITIVE_INFINITY;
      else if (rec.lastUsed === Number.POSITIVE_INFINITY) rec.lastUsed = now;
      this.images.set(id, rec);
    }
    for (const id of this.images.keys()) if (!present.has(id)) this.images.delete(id);

    const { image_filesystems: fsList = [] } = await this.client.img('ImageFsInfo', {});
    const fsInfo = fsList[0];
    const mount = fsInfo?.fs_id?.mountpoint;
    if (!mount) return 0;
    const st = fs.statfsSync(mount);
    const capacity = st.blocks * st.bsize;
    const available = st.bavail * st.bsize;
    if (capacity <= 0) return 0;
    const usagePercent = Math.floor(((capacity - available) * 100) / capacity);
    if (usagePercent < this.policy.highThresholdPercent) return 0;
    const toFree = capacity * (100 - this.policy.lowThresholdPercent) / 100 - available;
    if (toFree <= 0) return 0;
    const candidates = [...this.images.entries()]
      .filter(([, r]) => r.lastUsed !== Number.POSITIVE_INFINITY && now - r.firstDetected >= this.policy.minAgeMs)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed || a[1].firstDetected - b[1].firstDetected);
    if (!candidates.length) return 0;
    log(`image filesystem ${usagePercent}% used (high threshold ${this.policy.highThresholdPercent}%): freeing unused images`);
    let freed = 0;
    for (const [id, rec] of candidates) {
      if (freed >= toFree) break;
      try {
        await this.client.img('RemoveImage', { image: { image: id } });
        freed += rec.size;
        this.images.delete(id);
        log(`removed unused image ${rec.names[0] ?? id} (${id.slice(0, 19)}, ${rec.size} bytes)`);
      } catch (e) {
        warn(`removing image ${rec.names[0] ?? id}: ${errMsg(e)}`);
      }
    }
    return freed;
  }
}
