/** One cumulative histogram bucket (Prometheus `le` semantics): observations at or under `le`. */
export interface CumulativeBucket {
  le: number;
  count: number;
}

/**
 * The upper bound of the bucket holding the q-quantile: the true quantile is at most this.
 * Infinity when it lies above the last finite bound; undefined without observations.
 */
export function quantileUpperBound(buckets: readonly CumulativeBucket[], total: number, q: number): number | undefined {
  if (total <= 0) return undefined;
  const rank = q * total;
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  return sorted.find((b) => b.count >= rank)?.le ?? Infinity;
}
