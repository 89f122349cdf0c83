import { InferenceOutcome } from '../runtime/scheduler/inference.metrics';
import { MODEL_ID_PATTERN } from '../runtime/model-config';
import { quantileUpperBound } from './histogram';
import { Pseudonymizer } from './pseudonym';
import { LATENCY_BOUNDS_MS, TelemetryAggregateEntity } from './telemetry.entity';

/** Length of one telemetry bucket: the window that exports and the k-anonymity threshold look at. */
export const BUCKET_MS = 5 * 60_000;
/** Distinct contributors are counted up to this many per cell (memory stays bounded; k is far below). */
export const CONTRIBUTOR_CAP = 1000;

/**
 * What one inference contributes to telemetry: a fixed set of typed fields, nothing free-form.
 * The ids are pseudonymised as the record is taken and never kept.
 */
export interface TelemetryRecord {
  /** Tenant id. */
  readonly tenant: string;
  /** The API client within the tenant; absent, the tenant counts as one contributor. */
  readonly contributor?: string;
  /** A model name from the model repository. */
  readonly model: string;
  readonly outcome: InferenceOutcome;
  readonly seconds: number;
  readonly inputBytes: number;
  readonly outputBytes: number;
}

/** A caller broke the TelemetryRecord contract; the message never echoes the values. */
export class TelemetryInputError extends Error {
  override readonly name = 'TelemetryInputError';
}

export interface Counts {
  requests: number;
  errors: number;
  /** Requests at or under each of LATENCY_BOUNDS_MS. */
  latencyLe: number[];
  latencyUsSum: number;
  receivedBytes: number;
  sentBytes: number;
}

interface Cell {
  counts: Counts;
  /** What the database already holds of `counts`. */
  flushed: Counts;
  contributors: Set<string>;
}

/** One row to add to the store: the part of a cell not flushed yet. */
export interface PendingRow {
  readonly row: TelemetryAggregateEntity;
  /** Marks the row as stored. */
  readonly done: () => void;
}

/** One tenant's totals in one bucket, across models: what exports are made of. */
export interface TenantWindow extends Counts {
  tenant: string;
  contributors: number;
}

export interface ExportRow extends Counts {
  /** A tenant pseudonym or "other". */
  tenant: string;
}

const emptyCounts = (): Counts => ({
  requests: 0,
  errors: 0,
  latencyLe: LATENCY_BOUNDS_MS.map(() => 0),
  latencyUsSum: 0,
  receivedBytes: 0,
  sentBytes: 0,
});

function addCounts(into: Counts, from: Counts, sign = 1): Counts {
  into.requests += sign * from.requests;
  into.errors += sign * from.errors;
  from.latencyLe.forEach((n, i) => (into.latencyLe[i] += sign * n));
  into.latencyUsSum += sign * from.latencyUsSum;
  into.receivedBytes += sign * from.receivedBytes;
  into.sentBytes += sign * from.sentBytes;
  return into;
}

const copy = (counts: Counts): Counts => addCounts(emptyCounts(), counts);

const isCount = (n: unknown): n is number => typeof n === 'number' && Number.isFinite(n) && n >= 0;

export const bucketOf = (at: number): number => at - (at % BUCKET_MS);

/** 95th-percentile latency (upper bound of its bucket) in seconds, from a Counts histogram. */
export function latencyP95Seconds(counts: Counts): number | undefined {
  return quantileUpperBound(
    LATENCY_BOUNDS_MS.map((ms, i) => ({ le: ms / 1000, count: counts.latencyLe[i] })),
    counts.requests,
    0.95,
  );
}

/**
 * In-memory aggregation per bucket, tenant pseudonym and model, so the inference path never
 * touches the database: records are added here and flushed as one upsert per cell.
 */
export class TelemetryAggregator {
  private readonly buckets = new Map<number, Map<string, Map<string, Cell>>>();

  constructor(private readonly pseudonyms: Pseudonymizer) {}

  add(record: TelemetryRecord, at: number): void {
    const { tenant, contributor, model, outcome, seconds, inputBytes, outputBytes } = record;
    if (typeof tenant !== 'string' || tenant.length === 0) throw new TelemetryInputError('telemetry: tenant must be a non-empty string');
    if (contributor !== undefined && typeof contributor !== 'string') throw new TelemetryInputError('telemetry: contributor must be a string');
    if (typeof model !== 'string' || !MODEL_ID_PATTERN.test(model)) throw new TelemetryInputError('telemetry: model must be a model repository name');
    if (![seconds, inputBytes, outputBytes].every(isCount)) throw new TelemetryInputError('telemetry: seconds and byte counts must be finite, non-negative numbers');

    const tenantKey = this.pseudonyms.tenant(tenant);
    const cell = this.cell(bucketOf(at), tenantKey, model);
    const c = cell.counts;
    c.requests++;
    if (outcome !== 'ok') c.errors++;
    const ms = seconds * 1000;
    LATENCY_BOUNDS_MS.forEach((bound, i) => {
      if (ms <= bound) c.latencyLe[i]++;
    });
    c.latencyUsSum += Math.round(seconds * 1e6);
    c.receivedBytes += Math.round(inputBytes);
    c.sentBytes += Math.round(outputBytes);
    if (cell.contributors.size < CONTRIBUTOR_CAP) cell.contributors.add(this.pseudonyms.contributor(tenant, contributor ?? tenant));
  }

  /** Rows holding what the store does not have yet (one per changed cell). */
  pending(): PendingRow[] {
    const rows: PendingRow[] = [];
    for (const [bucketStart, tenants] of this.buckets) {
      for (const [tenantPseudonym, models] of tenants) {
        for (const [model, cell] of models) {
          const snapshot = copy(cell.counts);
          const delta = addCounts(copy(snapshot), cell.flushed, -1);
          if (delta.requests === 0) continue;
          rows.push({ row: toRow(bucketStart, tenantPseudonym, model, delta, cell.contributors.size), done: () => (cell.flushed = snapshot) });
        }
      }
    }
    return rows;
  }

  /** Per-tenant totals of one bucket (contributors counted distinct across models). */
  window(bucketStart: number): TenantWindow[] {
    return [...(this.buckets.get(bucketStart) ?? new Map<string, Map<string, Cell>>())].map(([tenant, models]) => {
      const totals = emptyCounts();
      const contributors = new Set<string>();
      for (const cell of models.values()) {
        addCounts(totals, cell.counts);
        cell.contributors.forEach((c) => contributors.add(c));
      }
      return { tenant, contributors: contributors.size, ...totals };
    });
  }

  /**
   * Forgets the buckets that started before `bucketStart` and are flushed. Of those still holding
   * counts the store lacks, the newest `keep` stay for a later flush and the older ones are
   * dropped: memory stays bounded however long the store is away. Returns how many were dropped.
   */
  releaseBefore(bucketStart: number, keep: number): number {
    const unflushed: number[] = [];
    for (const [start, tenants] of this.buckets) {
      if (start >= bucketStart) continue;
      const pending = [...tenants.values()].some((models) => [...models.values()].some((cell) => cell.counts.requests !== cell.flushed.requests));
      if (pending) unflushed.push(start);
      else this.buckets.delete(start);
    }
    const dropped = unflushed.sort((a, b) => a - b).slice(0, Math.max(unflushed.length - keep, 0));
    dropped.forEach((start) => this.buckets.delete(start));
    return dropped.length;
  }

  private cell(bucketStart: number, tenant: string, model: string): Cell {
    let tenants = this.buckets.get(bucketStart);
    if (!tenants) this.buckets.set(bucketStart, (tenants = new Map()));
    let models = tenants.get(tenant);
    if (!models) tenants.set(tenant, (models = new Map()));
    let cell = models.get(model);
    if (!cell) models.set(model, (cell = { counts: emptyCounts(), flushed: emptyCounts(), contributors: new Set() }));
    return cell;
  }
}

function toRow(bucketStart: number, tenantPseudonym: string, model: string, c: Counts, contributors: number): TelemetryAggregateEntity {
  const [le5, le25, le100, le250, le1000, le2500, le10000] = c.latencyLe;
  return Object.assign(new TelemetryAggregateEntity(), {
    bucketStart,
    tenantPseudonym,
    model,
    requests: c.requests,
    errors: c.errors,
    contributors,
    latencyLe5ms: le5,
    latencyLe25ms: le25,
    latencyLe100ms: le100,
    latencyLe250ms: le250,
    latencyLe1000ms: le1000,
    latencyLe2500ms: le2500,
    latencyLe10000ms: le10000,
    latencyUsSum: c.latencyUsSum,
    receivedBytes: c.receivedBytes,
    sentBytes: c.sentBytes,
  });
}

/**
 * What may be exported of one window: tenants with fewer than k distinct contributors are left
 * out entirely (counted as suppressed); of the rest, the topN by requests keep their pseudonym
 * and the others are summed as "other" (each of them met k, so their sum does too).
 */
export function selectExports(window: readonly TenantWindow[], k: number, topN: number): { rows: ExportRow[]; suppressed: number } {
  const eligible = window.filter((t) => t.contributors >= k).sort((a, b) => b.requests - a.requests || a.tenant.localeCompare(b.tenant));
  const rows: ExportRow[] = eligible.slice(0, topN).map(({ contributors: _, ...counts }) => ({ ...counts, latencyLe: [...counts.latencyLe] }));
  const rest = eligible.slice(topN);
  if (rest.length) rows.push({ tenant: 'other', ...rest.reduce((sum, t) => addCounts(sum, t), emptyCounts()) });
  return { rows, suppressed: window.length - eligible.length };
}
