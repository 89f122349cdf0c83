import { encodeTensor } from '../runtime/api/v2.codec';
import { badRequest } from '../runtime/api/v2.errors';
import { V2InferResponse } from '../runtime/api/inference.service';
import { Tensor } from '../runtime/runtime.types';
import { tensorToBytes } from '../runtime/tensor-bytes';

/**
 * ModelInfer messages to and from the REST path's V2 request body: a gRPC request becomes the same
 * `{id, parameters, inputs, outputs}` object (plus its raw_input_contents) that decodeInferRequest
 * validates for REST, so both protocols share one validation and its error texts. Messages are as
 * @grpc/proto-loader decodes them (keepCase, int64 as decimal strings, defaults filled in).
 */

type Long = string | number;
type ParameterChoice = 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';

export interface InferParameter {
  parameter_choice?: ParameterChoice;
  bool_param?: boolean;
  int64_param?: Long;
  string_param?: string;
  double_param?: number;
  uint64_param?: Long;
}

export interface TensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: Long[];
  uint_contents?: number[];
  uint64_contents?: Long[];
  fp32_contents?: number[];
  fp64_contents?: number[];
  bytes_contents?: Uint8Array[];
}

export interface ModelInferRequest {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  inputs: { name: string; datatype: string; shape: Long[]; parameters: Record<string, InferParameter>; contents: TensorContents | null }[];
  outputs: { name: string; parameters: Record<string, InferParameter> }[];
  raw_input_contents: Uint8Array[];
}

export interface ModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, InferParameter>;
  outputs: { name: string; datatype: string; shape: number[]; contents?: TensorContents }[];
  raw_output_contents: Uint8Array[];
}

/** Where each datatype's elements travel in InferTensorContents; FP16 and BF16 have no field (raw only). */
const CONTENTS_FIELD: Record<string, keyof TensorContents> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents',
  INT16: 'int_contents',
  INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents',
  UINT16: 'uint_contents',
  UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};
const CONTENTS_FIELDS = [...new Set(Object.values(CONTENTS_FIELD))];
/** The field for a datatype the client named: own entries only ("constructor" is not a datatype). */
const contentsField = (datatype: string): keyof TensorContents | undefined => (Object.hasOwn(CONTENTS_FIELD, datatype) ? CONTENTS_FIELD[datatype] : undefined);

/** An int64 decimal string as a number when exact; otherwise left as the string (the codec refuses it, naming the field). */
const exactNumber = (value: Long): number | string => {
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : String(value);
};

const utf8 = new TextDecoder('utf-8', { fatal: true });

export function parameterValue(p: InferParameter): unknown {
  switch (p.parameter_choice) {
    case 'bool_param':
      return p.bool_param;
    case 'int64_param':
      return exactNumber(p.int64_param ?? 0);
    case 'uint64_param':
      return exactNumber(p.uint64_param ?? 0);
    case 'double_param':
      return p.double_param;
    case 'string_param':
      return p.string_param;
    default:
      return undefined;
  }
}

const parameters = (map: Record<string, InferParameter> | undefined) => {
  const entries = Object.entries(map ?? {});
  return entries.length ? Object.fromEntries(entries.map(([k, v]) => [k, parameterValue(v)])) : undefined;
};

function toParameter(value: unknown): InferParameter | undefined {
  if (typeof value === 'boolean') return { bool_param: value };
  if (typeof value === 'string') return { string_param: value };
  if (typeof value === 'number') return Number.isSafeInteger(value) ? { int64_param: value } : { double_param: value };
  return undefined;
}

/** A tensor's typed contents as JSON `data` (the field must fit the datatype; other fields must be empty). */
function contentsData(contents: TensorContents | null, datatype: string, field: string): unknown[] {
  const wanted = contentsField(datatype);
  const given = CONTENTS_FIELDS.filter((f) => (contents?.[f]?.length ?? 0) > 0);
  if (datatype === 'FP16' || datatype === 'BF16') {
    throw badRequest(`${field}: ${datatype} tensors travel as raw bytes in raw_input_contents (protobuf has no 16-bit float)`);
  }
  // An unknown datatype: no data, so the codec's datatype check names the problem.
  if (!wanted) return [];
  const stray = given.find((f) => f !== wanted);
  if (stray) throw badRequest(`${field}.contents: ${datatype} elements go in ${wanted}, not ${stray}`);
  const values = contents?.[wanted] ?? [];
  if (wanted === 'int64_contents' || wanted === 'uint64_contents') return (values as Long[]).map(exactNumber);
  if (wanted === 'bytes_contents') {
    return (values as Uint8Array[]).map((bytes, i) => {
      try {
        return utf8.decode(bytes);
      } catch {
        throw badRequest(`${field}.contents.bytes_contents[${i}] is not UTF-8 text (BYTES elements are held as text)`);
      }
    });
  }
  return values as unknown[];
}

export interface DecodedGrpcRequest {
  /** The V2 JSON request body the REST path would have received. */
  body: Record<string, unknown>;
  /** raw_input_contents by input index, or undefined when the request uses typed contents. */
  raw?: Uint8Array[];
}

/** A ModelInferRequest as the REST path's V2 request body (and its raw contents). */
export function grpcToV2Body(request: ModelInferRequest): DecodedGrpcRequest {
  const raw = request.raw_input_contents.length > 0 ? request.raw_input_contents : undefined;
  if (raw && raw.length !== request.inputs.length) {
    throw badRequest(`raw_input_contents has ${raw.length} entries but inputs has ${request.inputs.length}; give one per input, in the same order`);
  }
  const inputs = request.inputs.map((input, i) => {
    const field = `inputs[${i}] (${input.name})`;
    const entry: Record<string, unknown> = {
      name: input.name,
      datatype: input.datatype,
      shape: input.shape.map(exactNumber),
      ...(Object.keys(input.parameters ?? {}).length ? { parameters: parameters(input.parameters) } : {}),
    };
    if (raw) {
      if (CONTENTS_FIELDS.some((f) => (input.contents?.[f]?.length ?? 0) > 0)) {
        throw badRequest(`${field}.contents must be empty when raw_input_contents is used`);
      }
    } else {
      entry.data = contentsData(input.contents, input.datatype, field);
    }
    return entry;
  });
  const body: Record<string, unknown> = { inputs };
  if (request.id) body.id = request.id;
  const params = parameters(request.parameters);
  if (params) body.parameters = params;
  if (request.outputs.length) body.outputs = request.outputs.map((o) => ({ name: o.name }));
  return { body, raw };
}

/** What InferenceService.inferTensors answers: the REST reply without its outputs, and the outputs as tensors. */
export interface InferOutcome {
  response: Omit<V2InferResponse, 'outputs'>;
  outputs: Tensor[];
}

/** Whether a datatype can travel in InferTensorContents. */
const typedContents = (t: Tensor) => contentsField(t.datatype) !== undefined;

function contentsOf(tensor: Tensor): TensorContents {
  const field = CONTENTS_FIELD[tensor.datatype];
  const { data } = tensor;
  if (tensor.datatype === 'BYTES') return { bytes_contents: (data as string[]).map((s) => Buffer.from(s, 'utf8')) };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return { [field]: Array.from(data, String) };
  // encodeTensor: the REST path's JSON values (BOOL as booleans), so both protocols answer the same numbers.
  return { [field]: encodeTensor(tensor).data };
}

/**
 * The outcome as a ModelInferResponse: raw_output_contents when the request sent raw inputs (as
 * Triton answers) or an output has no typed field (FP16, BF16); InferTensorContents otherwise.
 */
export function v2ToGrpcResponse(result: InferOutcome, request: ModelInferRequest, rawRequested: boolean): ModelInferResponse {
  const { response, outputs } = result;
  const raw = rawRequested || !outputs.every(typedContents);
  // The request's parameters as it sent them, plus what the REST reply adds (simulated, framework).
  const echoed: Record<string, InferParameter> = { ...(request.parameters ?? {}) };
  echoed.simulated = toParameter(response.parameters.simulated)!;
  echoed.framework = toParameter(response.parameters.framework)!;
  return {
    model_name: response.model_name,
    model_version: response.model_version,
    id: request.id,
    parameters: echoed,
    outputs: outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, ...(raw ? {} : { contents: contentsOf(t) }) })),
    raw_output_contents: raw ? outputs.map(tensorToBytes) : [],
  };
}
