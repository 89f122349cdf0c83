import { getNativeProvider } from './native';
import { nobleProvider } from './noble';
import type { PqcProvider } from './types';

/** Native when this Node has it (faster, OpenSSL-backed), otherwise the audited JS implementation. */
export function selectProvider(): PqcProvider {
  return getNativeProvider() ?? nobleProvider;
}
