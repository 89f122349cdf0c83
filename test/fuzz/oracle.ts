import { STATUS_CODES } from 'node:http';
import { SEALED_CONTENT_TYPE } from '../../apps/api/src/runtime/api/infer/infer.route';
import { RawAnswer as Answer } from '../support/raw-http';
import { OpenApiOperation } from './generators';


const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const onlyKeys = (o: Record<string, unknown>, allowed: string[]) => Object.keys(o).filter((k) => !allowed.includes(k));

/** The service's error body: {statusCode, error, message, errorId} (+ code, errors), statusCode matching the answer. */
function serviceBodyProblem(body: unknown, status: number): string | undefined {
  if (!isRecord(body)) return 'error body is not a JSON object';
  if (body.statusCode !== status) return `statusCode ${JSON.stringify(body.statusCode)} differs from the status ${status}`;
  if (body.error !== (STATUS_CODES[status] ?? 'Error')) return `error ${JSON.stringify(body.error)} is not the status text`;
  if (typeof body.message !== 'string' || !body.message) return 'message is missing or not a string';
  if (typeof body.errorId !== 'string' || !UUID.test(body.errorId)) return 'errorId is not a UUID';
  if (body.code !== undefined && typeof body.code !== 'string') return 'code is not a string';
  if (body.errors !== undefined && !isRecord(body.errors)) return 'errors is not an object';
  const extra = onlyKeys(body, ['statusCode', 'error', 'message', 'errorId', 'code', 'errors']);
  return extra.length ? `unexpected fields ${extra.join(', ')}` : undefined;
}

/** The Open Inference Protocol error body: {"error": "..."} (+ code). */
function v2BodyProblem(body: unknown): string | undefined {
  if (!isRecord(body)) return 'error body is not a JSON object';
  if (typeof body.error !== 'string' || !body.error) return 'V2 error body without an "error" string';
  if (body.code !== undefined && typeof body.code !== 'string') return 'code is not a string';
  const extra = onlyKeys(body, ['error', 'code']);
  return extra.length ? `V2 error body has unexpected fields ${extra.join(', ')}` : undefined;
}

/** Whether the route's documentation (response list, summary or description) names this status. */
export function documents(op: OpenApiOperation | undefined, status: number): boolean {
  if (!op) return false;
  return String(status) in (op.responses ?? {}) || new RegExp(`\\b${status}\\b`).test(`${op.summary ?? ''} ${op.description ?? ''}`);
}

/**
 * What is wrong with an answer, or undefined when nothing is. No 5xx but a documented 503/504; every error
 * (4xx and those) in the body its route promises: the service's own, the V2 one under /v2 (auth refusals
 * keep the service's), a sealed envelope for a sealed request whose session opened.
 */
export function judge(path: string, op: OpenApiOperation | undefined, answer: Answer): string | undefined {
  const { status } = answer;
  if (status >= 500 && !((status === 503 || status === 504) && documents(op, status))) return `server error ${status}`;
  if (status < 400) return undefined;
  if (answer.contentType.split(';')[0].trim() === SEALED_CONTENT_TYPE && path.startsWith('/v2/')) {
    let envelope: unknown;
    try {
      envelope = JSON.parse(answer.body.toString('utf8'));
    } catch {
      return 'sealed error reply is not JSON';
    }
    return isRecord(envelope) && ['sessionId', 'seq', 'cipher', 'nonce', 'ciphertext'].every((k) => k in envelope) ? undefined : 'sealed error reply is not an envelope';
  }
  if (!/^application\/json\b/.test(answer.contentType)) return `error answered as ${JSON.stringify(answer.contentType)}, not JSON`;
  let body: unknown;
  try {
    body = JSON.parse(answer.body.toString('utf8'));
  } catch {
    return 'error body is not JSON';
  }
  // Documented bodies of their own: key material and probes say why they are unavailable.
  if (status === 503 && isRecord(body) && typeof body.status === 'string' && (path.startsWith('/pqc/handshake') || path.startsWith('/health/'))) return undefined;
  const v2 = path === '/v2' || path.startsWith('/v2/');
  if (v2) {
    if ((status === 401 || status === 403) && isRecord(body) && 'statusCode' in body) return serviceBodyProblem(body, status);
    return v2BodyProblem(body);
  }
  return serviceBodyProblem(body, status);
}
