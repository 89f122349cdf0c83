import { jsonNestingExceeds, MAX_JSON_DEPTH, tooDeepMessage } from '../../../http/json-body';
import { Tensor } from '../../runtime.types';
import { tensorToBytes } from '../../tensor-bytes';
import { encodeTensor, RawInputs, V2OutputJson } from '../v2.codec';
import { badRequest } from '../v2.errors';

/**
 * The binary tensor data extension of the Open Inference Protocol, as Triton implements it: the body
 * is a JSON header of `Inference-Header-Content-Length` bytes followed by the raw bytes of the inputs
 * that give `parameters.binary_data_size`, in the order of `inputs`. Replies put the outputs asked for
 * as binary (`parameters.binary_data_output`, or an output's `parameters.binary_data`) after their
 * JSON header the same way. The bytes themselves are decoded and encoded by tensor-bytes.ts.
 *
 * Every size is checked against what actually arrived (the body, already bounded by the body limit)
 * before anything is sliced or allocated: nothing is ever allocated from a size the client claims.
 */

/** The request and reply header naming the JSON header's length (HTTP header names are case-insensitive). */
export const HEADER_LENGTH = 'inference-header-content-length';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A binary-extension body split into its JSON header and the inputs' raw bytes. */
export interface BinaryRequest {
  header: unknown;
  raw: RawInputs;
}

/** The header's value as a byte count (undefined: absent, the whole body is JSON). */
export function parseHeaderLength(value: string | string[] | undefined, bodyBytes: number): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!/^\s*\d{1,16}\s*$/.test(text)) throw badRequest(`Inference-Header-Content-Length must be a whole number of bytes (got ${JSON.stringify(text.slice(0, 40))})`);
  const length = Number(text);
  if (length > bodyBytes) throw badRequest(`Inference-Header-Content-Length (${length}) is beyond the body (${bodyBytes} bytes)`);
  return length;
}

function parseHeaderJson(bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw badRequest('the JSON header (the first Inference-Header-Content-Length bytes) is not UTF-8');
  }
  if (jsonNestingExceeds(text, MAX_JSON_DEPTH)) throw badRequest(tooDeepMessage());
  let value: unknown;
  try {
    value = JSON.parse(text, (key, v: unknown) => (key === '__proto__' ? undefined : v));
  } catch (error) {
    throw badRequest(`the JSON header (the first Inference-Header-Content-Length bytes) is not valid JSON: ${(error as Error).message}`);
  }
  if (!isRecord(value)) throw badRequest('request body must be a JSON object');
  return value;
}

/**
 * Splits a binary-extension body. The inputs' binary_data_size values must be non-negative whole
 * numbers that, in order, exactly fill the bytes after the header; each input's bytes are then a view
 * into the body (tensorFromBytes checks them against the shape and datatype, naming the input).
 */
export function splitBinaryRequest(body: Uint8Array, headerLengthValue: string | string[] | undefined): BinaryRequest {
  const headerLength = parseHeaderLength(headerLengthValue, body.byteLength) ?? body.byteLength;
  const header = parseHeaderJson(body.subarray(0, headerLength));
  const inputs = (header as Record<string, unknown>).inputs;
  const slices = new Map<number, Uint8Array>();
  let offset = headerLength;
  if (Array.isArray(inputs)) {
    inputs.forEach((input, i) => {
      if (!isRecord(input) || !isRecord(input.parameters) || input.parameters.binary_data_size === undefined) return;
      const field = `inputs[${i}]${typeof input.name === 'string' ? ` (${input.name})` : ''}.parameters.binary_data_size`;
      const size = input.parameters.binary_data_size;
      if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw badRequest(`${field} must be a whole number of bytes`);
      const left = body.byteLength - offset;
      if (size > left) throw badRequest(`${field} (${size}) runs past the end of the body: only ${left} bytes remain after the header and the inputs before it`);
      slices.set(i, body.subarray(offset, offset + size));
      offset += size;
    });
  }
  if (offset !== body.byteLength) {
    throw badRequest(`the body has ${body.byteLength - offset} bytes after the JSON header and the inputs' binary_data_size bytes (they must add up to the body exactly)`);
  }
  return { header, raw: (index) => slices.get(index) };
}

/** Which outputs the request wants as raw bytes: all (parameters.binary_data_output) or by name. */
export function binaryOutputs(header: unknown): (name: string) => boolean {
  if (!isRecord(header)) return () => false;
  const parameters = isRecord(header.parameters) ? header.parameters : {};
  if (parameters.binary_data_output !== undefined && typeof parameters.binary_data_output !== 'boolean') {
    throw badRequest('parameters.binary_data_output must be true or false');
  }
  const named = new Map<string, boolean>();
  if (Array.isArray(header.outputs)) {
    header.outputs.forEach((output, i) => {
      if (!isRecord(output) || !isRecord(output.parameters) || output.parameters.binary_data === undefined) return;
      if (typeof output.parameters.binary_data !== 'boolean') throw badRequest(`outputs[${i}].parameters.binary_data must be true or false`);
      if (typeof output.name === 'string') named.set(output.name, output.parameters.binary_data);
    });
  }
  const all = parameters.binary_data_output === true;
  return (name) => named.get(name) ?? all;
}

/** A binary-extension reply: the JSON header's byte length and the whole body. */
export interface BinaryReply {
  headerLength: number;
  body: Buffer;
}

/**
 * Encodes a response whose `binary` outputs travel as raw bytes after the JSON header (with
 * parameters.binary_data_size); undefined when no output is binary (the reply is plain JSON).
 */
export function encodeBinaryReply(response: object, outputs: Tensor[], binary: (name: string) => boolean): BinaryReply | undefined {
  if (!outputs.some((o) => binary(o.name))) return undefined;
  const chunks: Uint8Array[] = [];
  const described: (V2OutputJson | Omit<V2OutputJson, 'data'> & { parameters: { binary_data_size: number } })[] = outputs.map((tensor) => {
    if (!binary(tensor.name)) return encodeTensor(tensor);
    const bytes = tensorToBytes(tensor);
    chunks.push(bytes);
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, parameters: { binary_data_size: bytes.byteLength } };
  });
  const json = Buffer.from(JSON.stringify({ ...response, outputs: described }), 'utf8');
  return { headerLength: json.byteLength, body: Buffer.concat([json, ...chunks]) };
}
