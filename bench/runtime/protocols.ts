// The protocols the runtime benchmarks can drive. Adding one: write bench/runtime/<protocol>-client.ts
// implementing Protocol (protocol-client.ts) and list it here.
import { grpcRaw, grpcTyped } from './grpc-client';
import { Protocol } from './protocol-client';
import { restJson } from './rest-json-client';

export const PROTOCOLS: Protocol[] = [restJson, grpcTyped, grpcRaw];

/** What a sweep without --protocols drives (grpc-raw only when named: a full sweep must fit bench/limit.js's 900 s). */
const DEFAULT_PROTOCOLS = ['rest-json', 'grpc'];

export function protocolsNamed(names: string | undefined): Protocol[] {
  if (!names) return PROTOCOLS.filter((p) => DEFAULT_PROTOCOLS.includes(p.name));
  return names.split(',').map((name) => {
    const found = PROTOCOLS.find((p) => p.name === name);
    if (!found) throw new Error(`unknown protocol ${name} (known: ${PROTOCOLS.map((p) => p.name).join(', ')})`);
    return found;
  });
}
