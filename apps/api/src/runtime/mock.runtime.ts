import { Injectable } from '@nestjs/common';
import { ModelConfig } from './model-config';
import { mulberry32 } from './models/reference';
import { OpenedModel, RuntimeAdapter } from './runtime.adapter';
import { allocate, elementCount } from './tensors';
import { Tensor } from './runtime.types';

/** FNV-1a over the model name and the input bytes: the same request always gets the same answer. */
function fingerprint(name: string, inputs: Tensor[]): number {
  let hash = 0x811c9dc5;
  const mix = (byte: number) => {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  };
  for (const c of name) mix(c.charCodeAt(0) & 0xff);
  for (const input of inputs) {
    if (Array.isArray(input.data)) for (const s of input.data) for (const c of s) mix(c.charCodeAt(0) & 0xff);
    else new Uint8Array(input.data.buffer, input.data.byteOffset, input.data.byteLength).forEach(mix);
  }
  return hash;
}

/**
 * Simulated inference: deterministic outputs of the configured shapes and datatypes, computed
 * on the event loop (cheap). Only ever used where simulation allows it; handles say simulated.
 */
@Injectable()
export class MockRuntime implements RuntimeAdapter {
  readonly framework = 'mock' as const;

  async open(config: ModelConfig): Promise<OpenedModel> {
    return {
      run: async (inputs) => {
        const batch = config.maxBatchSize > 0 ? inputs[0].shape[0] : 1;
        const random = mulberry32(fingerprint(config.name, inputs));
        return config.outputs.map((spec) => {
          const shape = spec.shape.map((d, i) => (d === -1 ? (i === 0 && config.maxBatchSize > 0 ? batch : 1) : d));
          const data = allocate(spec.datatype, elementCount(shape));
          for (let i = 0; i < data.length; i++) {
            const r = random();
            if (Array.isArray(data)) data[i] = `simulated-${Math.floor(r * 1e6)}`;
            else if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[i] = BigInt(Math.floor(r * 100));
            else if (spec.datatype === 'FP32' || spec.datatype === 'FP64') (data as Float32Array)[i] = r;
            else (data as Uint8Array)[i] = spec.datatype === 'BOOL' ? (r < 0.5 ? 0 : 1) : Math.floor(r * 100);
          }
          return { name: spec.name, datatype: spec.datatype, shape, data };
        });
      },
      close: async () => undefined,
    };
  }
}
