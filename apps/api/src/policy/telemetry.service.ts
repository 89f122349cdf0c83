import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectSettings } from '../env/env.module';
import { Settings } from '../env/env.schema';
import { Clock } from '../lifecycle/clock';
import { JobHook } from '../runtime/scheduler/job-hooks';
import { PolicyMetrics } from './policy.metrics';
import { Pseudonymizer, resolvePseudonymizer } from './pseudonym';
import { BUCKET_MS, bucketOf, latencyP95Seconds, selectExports, TelemetryAggregator, TelemetryRecord } from './telemetry.aggregate';
import { TelemetryRepository } from './telemetry.repository';

/** How often aggregates move from memory to the database. */
export const FLUSH_INTERVAL_MS = 15_000;
/**
 * Closed buckets kept in memory while the database cannot take them (15 minutes of windows);
 * beyond that the oldest are dropped and counted in nf_telemetry_dropped_buckets_total.
 */
export const MAX_UNFLUSHED_CLOSED_BUCKETS = 3;

/**
 * Model telemetry under policy P1: typed records aggregated in memory per tenant pseudonym, model
 * and 5-minute bucket, flushed to the database periodically (one upsert per cell, never per
 * request), exported to Prometheus per closed window with k-anonymity applied, and purged after
 * the retention period. Exports come from memory, so they stay current while the database is
 * away; closed buckets it has not taken are kept up to MAX_UNFLUSHED_CLOSED_BUCKETS.
 */
@Injectable()
export class TelemetryService implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown {
  private readonly logger = new Logger(TelemetryService.name);
  readonly pseudonyms: Pseudonymizer;
  private readonly aggregator: TelemetryAggregator;
  private flushing?: Promise<void>;
  private exportedBucket = -1;
  private exportedTenants = 0;
  private timers: NodeJS.Timeout[] = [];

  constructor(
    @InjectSettings() private readonly settings: Settings,
    private readonly clock: Clock,
    private readonly repository: TelemetryRepository,
    private readonly metrics: PolicyMetrics,
  ) {
    this.pseudonyms = resolvePseudonymizer(settings, this.logger);
    this.aggregator = new TelemetryAggregator(this.pseudonyms);
  }

  onApplicationBootstrap(): void {
    this.timers = [
      setInterval(() => void this.flush(), FLUSH_INTERVAL_MS).unref(),
      setInterval(() => void this.purge(), this.settings.telemetry.purgeIntervalMs).unref(),
    ];
    void this.purge();
  }

  /** Stores what is still in memory while the database is open (it closes in onApplicationShutdown). */
  async beforeApplicationShutdown(): Promise<void> {
    this.timers.forEach(clearInterval);
    await this.flush();
  }

  onApplicationShutdown(): void {
    this.timers.forEach(clearInterval);
  }

  /** Takes one record (throws TelemetryInputError for one that breaks the contract). */
  record(record: TelemetryRecord): void {
    this.aggregator.add(record, this.clock.now());
  }

  /**
   * Writes pending aggregates; once a window has closed, exports it (from memory, whether or not
   * the write succeeded). Concurrent calls share one run.
   */
  flush(): Promise<void> {
    this.flushing ??= this.flushNow().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /** Deletes aggregates past retention; the count, or undefined when another replica is purging. */
  async purge(): Promise<number | undefined> {
    try {
      const removed = await this.repository.purgeBefore(this.clock.now() - this.settings.telemetry.retentionMs);
      if (removed) {
        this.metrics.purged.inc(removed);
        this.logger.log(`retention: purged ${removed} telemetry aggregates older than ${this.settings.telemetry.retentionMs / 86_400_000} days`);
      }
      return removed;
    } catch (error) {
      this.logger.error(`telemetry retention purge failed: ${(error as Error).message}`);
      return undefined;
    }
  }

  /** Tenant label values in the current export (pseudonyms and "other"): P4 checks the bound. */
  get exportedTenantLabels(): number {
    return this.exportedTenants;
  }

  private async flushNow(): Promise<void> {
    const now = this.clock.now();
    await this.store();
    const current = bucketOf(now);
    if (current - BUCKET_MS > this.exportedBucket) this.publish(current - BUCKET_MS);
    const dropped = this.aggregator.releaseBefore(current, MAX_UNFLUSHED_CLOSED_BUCKETS);
    if (dropped) {
      this.metrics.droppedBuckets.inc(dropped);
      this.logger.error(`telemetry: dropped ${dropped} closed bucket(s) the database did not take (at most ${MAX_UNFLUSHED_CLOSED_BUCKETS} are kept)`);
    }
  }

  /** Adds the pending rows to the store; stops at the first failure (the rest stay pending). */
  private async store(): Promise<void> {
    for (const { row, done } of this.aggregator.pending()) {
      try {
        await this.repository.add(row);
        done();
      } catch (error) {
        this.metrics.flushFailures.inc();
        this.logger.error(`telemetry flush failed (kept in memory for the next one): ${(error as Error).message}`);
        return;
      }
    }
  }

  private publish(bucketStart: number): void {
    const { kAnonymity, exportTopTenants } = this.settings.telemetry;
    const { rows, suppressed } = selectExports(this.aggregator.window(bucketStart), kAnonymity, exportTopTenants);
    const m = this.metrics;
    const gauges = [m.requests, m.errors, m.latencyP95, m.receivedBytes, m.sentBytes];
    gauges.forEach((g) => g.reset());
    for (const row of rows) {
      const labels = { tenant: row.tenant };
      m.requests.set(labels, row.requests);
      m.errors.set(labels, row.errors);
      m.latencyP95.set(labels, latencyP95Seconds(row) ?? 0);
      m.receivedBytes.set(labels, row.receivedBytes);
      m.sentBytes.set(labels, row.sentBytes);
    }
    m.suppressed.set(suppressed);
    this.exportedBucket = bucketStart;
    this.exportedTenants = rows.length;
  }
}

/** After every inference job (whatever its outcome): one telemetry record, ids pseudonymised on entry. */
export function telemetryHook(telemetry: TelemetryService): JobHook {
  return {
    name: 'telemetry',
    after: (job, result) =>
      telemetry.record({
        tenant: job.tenant,
        contributor: job.contributor,
        model: job.handle.name,
        outcome: result.outcome,
        seconds: result.seconds,
        inputBytes: job.inputBytes,
        outputBytes: result.outputBytes,
      }),
  };
}
