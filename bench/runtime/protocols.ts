// The protocols the runtime benchmarks can drive. Adding one: write bench/runtime/<protocol>-client.ts
// implementing Protocol (protocol-client.ts) and list it here.
import { grpcRaw, grpcTyped } from './grpc-client';
import { Protocol } from './protocol-client';
import { restBinary } from './rest-binary-client';
import { restJson } from './rest-json-client';

export const PROTOCOLS: Protocol[] = [restJson, restBinary, grpcTyped, grpcRaw];

export function protocolsNamed(names: string | undefined): Protocol[] {
  if (!names) return PROTOCOLS;
  return names.split(',').map((name) => {
    const found = PROTOCOLS.find((p) => p.name === name);
    if (!found) throw new Error(`unknown protocol ${name} (known: ${PROTOCOLS.map((p) => p.name).join(', ')})`);
    return found;
  });
}
