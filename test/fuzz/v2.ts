import fc from 'fast-check';
import { SealedEnvelope } from '@nf/pqc';
import { TensorSpec } from '../../apps/api/src/runtime/runtime.types';
import { hugeNumber, junkValue, mutated, nastyString } from './values';

/** What the fuzzer knows of a served model: enough to build requests that reach its codec and runtime. */
export interface ModelSpec {
  name: string;
  version: string;
  inputs: TensorSpec[];
  outputs: TensorSpec[];
  maxBatchSize: number;
}

const DATATYPES = ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES', 'fp32', 'BF16', ''];

/** A shape for the spec: right most of the time, otherwise wrong rank, negative, fractional, or enormous (must be refused before allocation). */
function shapeFor(spec: TensorSpec, maxBatch: number): fc.Arbitrary<unknown[]> {
  const fixed = spec.shape.slice(1).map((d) => (d === -1 ? 2 : d));
  return fc.oneof(
    { weight: 6, arbitrary: fc.integer({ min: 1, max: Math.max(1, Math.min(maxBatch, 4)) }).map((b) => [b, ...fixed]) },
    { weight: 1, arbitrary: fc.constantFrom<unknown[]>([0, ...fixed], [-1, ...fixed], [maxBatch + 1, ...fixed], [1e9, ...fixed], [2 ** 53, ...fixed], [1.5, ...fixed], [1], [1, ...fixed, 1], [], ['1', ...fixed], [null]) },
    { weight: 1, arbitrary: fc.array(fc.oneof(fc.integer({ min: -2, max: 2 ** 31 }), hugeNumber), { maxLength: 6 }) },
  );
}

function dataFor(shape: unknown[]): fc.Arbitrary<unknown> {
  const count = shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0) ? (shape as number[]).reduce((a, b) => a * b, 1) : 4;
  const n = Math.min(count, 512);
  const value = fc.oneof({ weight: 8, arbitrary: fc.double({ min: -10, max: 10, noNaN: true }) }, { weight: 1, arbitrary: hugeNumber }, { weight: 1, arbitrary: junkValue });
  return fc.oneof(
    { weight: 6, arbitrary: fc.array(value, { minLength: n, maxLength: n }) },
    { weight: 1, arbitrary: fc.array(value, { maxLength: n + 2 }) },
    { weight: 1, arbitrary: fc.array(fc.array(value, { maxLength: 6 }), { maxLength: 6 }) }, // nested, right or wrong
    { weight: 1, arbitrary: junkValue },
  );
}

function tensor(spec: TensorSpec, maxBatch: number): fc.Arbitrary<unknown> {
  return shapeFor(spec, maxBatch).chain((shape) =>
    fc.record(
      {
        name: fc.oneof({ weight: 8, arbitrary: fc.constant(spec.name) }, { weight: 1, arbitrary: nastyString }),
        datatype: fc.oneof({ weight: 6, arbitrary: fc.constant(spec.datatype) }, { weight: 2, arbitrary: fc.constantFrom(...DATATYPES) }, { weight: 1, arbitrary: junkValue }),
        shape: fc.constant(shape),
        data: dataFor(shape),
        parameters: junkValue,
      },
      { requiredKeys: ['name', 'datatype', 'shape', 'data'] },
    ),
  );
}

/** An Open Inference Protocol request for this model, then broken the usual ways. */
export function v2Request(model: ModelSpec): fc.Arbitrary<unknown> {
  const inputs = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(...model.inputs.map((s) => tensor(s, model.maxBatchSize))) },
    { weight: 1, arbitrary: fc.array(tensor(model.inputs[0], model.maxBatchSize), { maxLength: 3 }) },
  );
  const outputs = fc.array(fc.record({ name: fc.oneof(fc.constantFrom(...model.outputs.map((o) => o.name)), nastyString), parameters: junkValue }, { requiredKeys: ['name'] }), { maxLength: 3 });
  const parameters = fc.record({ timeout_ms: fc.oneof(fc.integer({ min: -5, max: 60_000 }), hugeNumber, junkValue), binary_data_output: junkValue }, { requiredKeys: [] });
  return mutated(fc.record({ id: fc.oneof(fc.string({ maxLength: 20 }), junkValue), inputs, outputs, parameters }, { requiredKeys: ['inputs'] }));
}

/** Sealed envelopes: real ones (once each: a second use is a replay), and real ones with a field swapped for garbage. */
export function sealedEnvelope(real: () => SealedEnvelope | undefined): fc.Arbitrary<unknown> {
  const b64 = fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('base64url'));
  const made = fc.record({
    sessionId: fc.oneof(fc.uuid(), nastyString),
    seq: fc.oneof(fc.nat(), hugeNumber, junkValue),
    cipher: fc.oneof(fc.constantFrom('aes-256-gcm', 'chacha20-poly1305'), nastyString),
    nonce: fc.oneof(b64, nastyString),
    ciphertext: fc.oneof(b64, nastyString),
  });
  // A real envelope is sealed when the body is encoded (its seq must be fresh), not when fast-check draws the value.
  const live = fc.record({ field: fc.constantFrom('none', 'seq', 'nonce', 'ciphertext', 'cipher', 'sessionId'), junk: fc.oneof(b64, junkValue) }).map(({ field, junk }) => ({
    toJSON() {
      const envelope = real();
      if (!envelope || field === 'none') return envelope ?? {};
      return { ...envelope, [field]: junk };
    },
    toString: () => `<live sealed envelope, ${field} replaced>`,
  }));
  return fc.oneof({ weight: 2, arbitrary: mutated(made) }, { weight: 2, arbitrary: live });
}
