import { Injectable, Logger, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import type { OverviewHistoryView, OverviewSample } from '@nf/contracts';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { InstanceService } from '../instance/instance.service';
import { Clock } from '../lifecycle/clock';
import { OverviewCounters, readCounters } from './overview.service';

const sum = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0);

/** One ring sample from the counters read at `at`. */
export function sampleOf(at: number, counters: OverviewCounters): OverviewSample {
  const handshakes = sum(counters.handshakes);
  const requests = sum(counters.requests);
  const ok = counters.handshakes.ok ?? 0;
  return {
    at,
    handshakes: { ok, failed: handshakes - ok },
    inference: { requests, failed: requests - (counters.requests.ok ?? 0) },
    latency: { counts: counters.latency.counts, count: counters.latency.count, sum: counters.latency.sum },
    queueDepth: sum(counters.queueDepth),
  };
}

/**
 * A bounded ring of samples, oldest first: at most `capacity`, the oldest dropped first. Samples
 * are cumulative counters, so a dropped sample loses no rate the remaining ones can give.
 */
export class SampleRing {
  private readonly samples: OverviewSample[] = [];

  constructor(readonly capacity: number) {}

  push(sample: OverviewSample): void {
    this.samples.push(sample);
    if (this.samples.length > this.capacity) this.samples.splice(0, this.samples.length - this.capacity);
  }

  /** Samples at or after `since`, oldest first. */
  since(since: number): OverviewSample[] {
    return this.samples.filter((s) => s.at >= since);
  }

  get size(): number {
    return this.samples.length;
  }
}

/**
 * The overview's history, in memory: one sample of the cumulative counters every
 * OVERVIEW_HISTORY_INTERVAL_SECONDS, kept for OVERVIEW_HISTORY_MINUTES, so the dashboard's charts
 * show the last hour at once and after a reload. Per process: a restart starts an empty ring, and
 * each replica keeps its own (its answer names the instance).
 */
@Injectable()
export class OverviewHistory implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(OverviewHistory.name);
  private readonly ring: SampleRing;
  private latencyBounds: number[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly instance: InstanceService,
    private readonly clock: Clock,
  ) {
    const { historyMs, historyIntervalMs } = settings.overview;
    // One more than the span needs: the sample just before a window's start is what its first rate is taken from.
    this.ring = new SampleRing(Math.ceil(historyMs / historyIntervalMs) + 1);
  }

  onModuleInit(): void {
    void this.take();
    this.timer = setInterval(() => void this.take(), this.settings.overview.historyIntervalMs).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Reads the counters and appends a sample (also what the timer does). */
  async take(): Promise<void> {
    try {
      const counters = await readCounters();
      this.latencyBounds = counters.latency.bounds;
      this.ring.push(sampleOf(this.clock.now(), counters));
    } catch (error) {
      this.logger.warn(`overview sample failed: ${(error as Error).message}`);
    }
  }

  /** The samples of the last `ms` (all the ring holds when omitted), oldest first. */
  view(ms?: number): OverviewHistoryView {
    const { historyIntervalMs, historyMs } = this.settings.overview;
    // The sample one interval before the window too, so the window's first rate has a start.
    const since = ms === undefined ? 0 : this.clock.now() - ms - historyIntervalMs;
    return {
      instanceId: this.instance.id,
      intervalMs: historyIntervalMs,
      retentionMs: historyMs,
      latencyBounds: this.latencyBounds,
      samples: this.ring.since(since),
    };
  }
}
