import { encodeFields } from '../encoding';
import { LABELS } from '../labels';

/**
 * The application AAD that binds a sealed V2 inference request, and its sealed reply, to the model
 * (and version) it is for: `F("neural-fabric/v2-infer/v1", model, version or "")`. Without it a
 * sealed request could be sent on to another model's route and still open there.
 */
export function inferenceAad(model: string, version = ''): Uint8Array {
  return encodeFields([LABELS.inferenceAad, model, version]);
}
