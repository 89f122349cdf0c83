/**
 * Per-tenant sub-queues served round-robin: each dequeue takes the head of the next tenant in
 * turn, so a tenant with a thousand queued jobs delays another tenant's job by at most one slot.
 */
export class FairQueue<T> {
  private readonly queues = new Map<string, T[]>();
  /** Tenants with queued work, in service order; `cursor` points at the next to serve. */
  private readonly ring: string[] = [];
  private cursor = 0;
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(tenant: string, item: T): void {
    let queue = this.queues.get(tenant);
    if (!queue) {
      queue = [];
      this.queues.set(tenant, queue);
      this.ring.push(tenant);
    }
    queue.push(item);
    this.count++;
  }

  /** The next item in round-robin order; `accept` may refuse it (it then stays, and this returns undefined). */
  shift(accept: (item: T) => boolean = () => true): T | undefined {
    if (this.ring.length === 0) return undefined;
    if (this.cursor >= this.ring.length) this.cursor = 0;
    const tenant = this.ring[this.cursor];
    const queue = this.queues.get(tenant)!;
    if (!accept(queue[0])) return undefined;
    const item = queue.shift()!;
    this.count--;
    if (queue.length === 0) this.dropTenant(this.cursor);
    else this.cursor = (this.cursor + 1) % this.ring.length;
    return item;
  }

  remove(tenant: string, item: T): boolean {
    const queue = this.queues.get(tenant);
    const index = queue?.indexOf(item) ?? -1;
    if (!queue || index < 0) return false;
    queue.splice(index, 1);
    this.count--;
    if (queue.length === 0) {
      const at = this.ring.indexOf(tenant);
      this.dropTenant(at);
    }
    return true;
  }

  /** Visits every queued item, tenant by tenant, with its position in its tenant's sub-queue (0: that tenant's oldest). */
  forEach(visit: (item: T, position: number) => void): void {
    for (const queue of this.queues.values()) queue.forEach(visit);
  }

  /** Every queued item (any order). */
  items(): T[] {
    return [...this.queues.values()].flat();
  }

  private dropTenant(at: number): void {
    this.queues.delete(this.ring[at]);
    this.ring.splice(at, 1);
    if (at < this.cursor) this.cursor--;
    if (this.cursor >= this.ring.length) this.cursor = 0;
  }
}
