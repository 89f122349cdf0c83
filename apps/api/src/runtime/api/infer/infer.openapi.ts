import type { OpenAPIObject } from '@nestjs/swagger';
import { MAX_DEADLINE_MS } from '../inference.service';
import { INFER_PATHS, SEALED_CONTENT_TYPE } from './infer.route';

type PathItem = OpenAPIObject['paths'][string];

const error = (description: string) => ({ description, content: { 'application/json': { schema: { type: 'object', properties: { error: { type: 'string' } } } } } });

const tensor = {
  type: 'object',
  required: ['name', 'datatype', 'shape'],
  properties: {
    name: { type: 'string' },
    datatype: { type: 'string', enum: ['BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'BF16', 'FP32', 'FP64', 'BYTES'] },
    shape: { type: 'array', items: { type: 'integer', minimum: 0 } },
    data: { type: 'array', description: 'flat row-major or nested to the rank; absent when the tensor travels as binary data' },
    parameters: { type: 'object', properties: { binary_data_size: { type: 'integer', description: 'binary tensor extension: bytes of this tensor after the JSON header' } } },
  },
};

const inferRequest = {
  type: 'object',
  required: ['inputs'],
  properties: {
    id: { type: 'string' },
    inputs: { type: 'array', items: tensor },
    outputs: { type: 'array', items: { type: 'object', required: ['name'], properties: { name: { type: 'string' }, parameters: { type: 'object', properties: { binary_data: { type: 'boolean' } } } } } },
    parameters: { type: 'object', properties: { timeout_ms: { type: 'integer' }, binary_data_output: { type: 'boolean' } } },
  },
};

const inferResponse = {
  type: 'object',
  properties: { model_name: { type: 'string' }, model_version: { type: 'string' }, id: { type: 'string' }, outputs: { type: 'array', items: tensor }, parameters: { type: 'object' } },
};

const sealedEnvelope = {
  type: 'object',
  required: ['sessionId', 'seq', 'nonce', 'ciphertext'],
  properties: { sessionId: { type: 'string' }, seq: { type: 'integer' }, cipher: { type: 'string' }, nonce: { type: 'string' }, ciphertext: { type: 'string' } },
};

const binaryHeader = {
  name: 'Inference-Header-Content-Length',
  in: 'header' as const,
  required: false,
  description: 'binary tensor extension: length in bytes of the JSON header at the start of the body; the tensors\' raw bytes follow it',
  schema: { type: 'integer', minimum: 0 },
};

function operation(withVersion: boolean): PathItem {
  return {
    post: {
      tags: ['inference'],
      summary: 'Inference (Open Inference Protocol): JSON, the binary tensor extension, or sealed under a PQC session',
      description: 'Deadline: header x-request-deadline-ms or parameters.timeout_ms (ms, relative). Binary tensor data: '
        + 'Inference-Header-Content-Length names the JSON header length; inputs give parameters.binary_data_size; outputs come '
        + 'back binary with parameters.binary_data_output or an output\'s parameters.binary_data (FP16 and BF16 only this way). '
        + `A sealed body (${SEALED_CONTENT_TYPE}) is an envelope {sessionId, seq, cipher, nonce, ciphertext} whose plaintext is `
        + 'the V2 request (JSON or binary); the reply seals the V2 response.',
      security: [{ bearer: [] }],
      parameters: [
        { name: 'model', in: 'path' as const, required: true, schema: { type: 'string' } },
        ...(withVersion ? [{ name: 'version', in: 'path' as const, required: true, schema: { type: 'string' } }] : []),
        { name: 'x-request-deadline-ms', in: 'header' as const, required: false, schema: { type: 'integer', minimum: 1, maximum: MAX_DEADLINE_MS } },
        binaryHeader,
      ],
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: inferRequest },
          'application/octet-stream': { schema: { type: 'string', format: 'binary', description: 'JSON header (Inference-Header-Content-Length bytes), then raw tensor bytes' } },
          [SEALED_CONTENT_TYPE]: { schema: sealedEnvelope },
        },
      },
      responses: {
        200: {
          description: 'the V2 inference response (binary outputs: Inference-Header-Content-Length on the reply)',
          content: {
            'application/json': { schema: inferResponse },
            'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
            [SEALED_CONTENT_TYPE]: { schema: sealedEnvelope },
          },
        },
        400: error('malformed request (the error names the field)'),
        401: error('missing (production), malformed, wrong or revoked API key'),
        404: error('unknown model or version (or unknown PQC session)'),
        413: error('request body over the limit'),
        429: error('model queue full (Retry-After)'),
        503: error('model not ready'),
        504: error('deadline exceeded'),
      },
    },
  };
}

/** OpenAPI path items of the infer route (registered on Fastify, so Nest's document builder cannot see it). */
export function inferOpenApiPaths(): Record<string, PathItem> {
  const openApi = (path: string) => path.replace(/:([A-Za-z]+)/g, '{$1}');
  return { [openApi(INFER_PATHS[0])]: operation(false), [openApi(INFER_PATHS[1])]: operation(true) };
}
