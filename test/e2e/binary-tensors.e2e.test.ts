import * as http from 'node:http';
import { handshake, inferenceAad } from '@nf/pqc';
import { float32ToHalf, halfToFloat32 } from '../../apps/api/src/runtime/half-floats';
import { forward, MLP_MODELS, mlpLayers, sampleInput } from '../../apps/api/src/runtime/models/reference';
import { restBinary } from '../../bench/runtime/rest-binary-client';
import { startModelTestApp, TestApp } from '../support/app';

jest.setTimeout(120_000);

// The binary tensor data extension over real HTTP (docs/runtime.md, "Binary tensor data").
const HEADER = 'Inference-Header-Content-Length';
const tiny = MLP_MODELS.find((m) => m.name === 'tiny-mlp')!;
const layers = mlpLayers(tiny);
const BATCH = 3;
const input = sampleInput(4, BATCH, 23);

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);

/** A binary-extension body: the JSON header, then the chunks in order. */
function binaryBody(header: object, ...chunks: Uint8Array[]) {
  const json = Buffer.from(JSON.stringify(header));
  return { body: Buffer.concat([json, ...chunks]), headerLength: json.byteLength };
}

/** Splits a binary reply: its JSON header and each binary output's bytes (by binary_data_size, in order). */
function splitReply(body: Buffer, headerLength: number) {
  const json = JSON.parse(body.subarray(0, headerLength).toString('utf8'));
  const raw = new Map<string, Buffer>();
  let offset = headerLength;
  for (const output of json.outputs) {
    const size = output.parameters?.binary_data_size;
    if (size === undefined) continue;
    raw.set(output.name, body.subarray(offset, offset + size));
    offset += size;
  }
  expect(offset).toBe(body.byteLength);
  return { json, raw };
}

const copy = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);

describe('binary tensor data extension (REST)', () => {
  let t: TestApp;
  const post = (model: string, body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${t.url}/v2/models/${model}/infer`, { method: 'POST', headers, body });
  const postBinary = (model: string, header: object, ...chunks: Uint8Array[]) => {
    const { body, headerLength } = binaryBody(header, ...chunks);
    return post(model, body, { 'content-type': 'application/octet-stream', [HEADER]: String(headerLength) });
  };
  const replyOf = async (res: Response) => {
    if (res.status !== 200) throw new Error(`${res.status} ${await res.text()}`);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    return splitReply(Buffer.from(await res.arrayBuffer()), Number(res.headers.get(HEADER)));
  };

  beforeAll(async () => {
    t = await startModelTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  /** tiny-mlp's FP32 outputs for `input` over plain JSON: what every round trip is compared with. */
  async function fp32Reference(): Promise<number[]> {
    const res = await post('tiny-mlp', JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], data: Array.from(input) }] }), { 'content-type': 'application/json' });
    expect(res.status).toBe(200);
    return ((await res.json()) as { outputs: { data: number[] }[] }).outputs[0].data;
  }

  it('FP32 binary in and out gives the same outputs as JSON, bit for bit', async () => {
    const expected = await fp32Reference();
    const reply = await replyOf(await postBinary('tiny-mlp', {
      id: 'bin-1',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], parameters: { binary_data_size: input.byteLength } }],
      parameters: { binary_data_output: true },
    }, bytesOf(input)));
    expect(reply.json).toMatchObject({ model_name: 'tiny-mlp', id: 'bin-1', outputs: [{ name: 'output', datatype: 'FP32', shape: [BATCH, 3], parameters: { binary_data_size: BATCH * 3 * 4 } }] });
    expect(reply.json.outputs[0].data).toBeUndefined();
    expect(Array.from(new Float32Array(copy(reply.raw.get('output')!)))).toEqual(expected);
  });

  it.each(['FP16', 'BF16'] as const)('%s round trip over binary REST matches FP32 tiny-mlp within the format\'s precision', async (datatype) => {
    const expected = await fp32Reference();
    const bits = float32ToHalf(datatype, input);
    const reply = await replyOf(await postBinary(`tiny-mlp-${datatype.toLowerCase()}`, {
      inputs: [{ name: 'input', datatype, shape: [BATCH, 4], parameters: { binary_data_size: bits.byteLength } }],
      outputs: [{ name: 'output', parameters: { binary_data: true } }],
    }, bytesOf(bits)));
    expect(reply.json.outputs[0]).toEqual({ name: 'output', datatype, shape: [BATCH, 3], parameters: { binary_data_size: BATCH * 3 * 2 } });
    const got = halfToFloat32(datatype, new Uint16Array(copy(reply.raw.get('output')!)));
    // Against FP32: the input's rounding and the output's (FP16: 11 significant bits, BF16: 8).
    const tolerance = datatype === 'FP16' ? 5e-3 : 4e-2;
    got.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(tolerance));
    // Against the reference forward pass on the rounded inputs, rounded the same way: at most one unit in the last place apart.
    const exact = float32ToHalf(datatype, forward(layers, halfToFloat32(datatype, bits), BATCH));
    const ulps = Array.from(new Uint16Array(copy(reply.raw.get('output')!)), (b, i) => Math.abs(b - exact[i]));
    expect(Math.max(...ulps)).toBeLessThanOrEqual(1);
  });

  it('answers FP16 outputs as JSON numbers when binary is not asked for, and refuses FP16 JSON input naming the extension', async () => {
    const bits = float32ToHalf('FP16', input);
    const res = await postBinary('tiny-mlp-fp16', { inputs: [{ name: 'input', datatype: 'FP16', shape: [BATCH, 4], parameters: { binary_data_size: bits.byteLength } }] }, bytesOf(bits));
    expect(`${res.status} ${res.status === 200 ? '' : await res.clone().text()}`).toBe('200 ');
    expect(res.headers.get(HEADER)).toBeNull();
    const body = (await res.json()) as { outputs: { data: number[] }[] };
    expect(body.outputs[0]).toMatchObject({ datatype: 'FP16', shape: [BATCH, 3] });
    const expected = await fp32Reference();
    body.outputs[0].data.forEach((v, i) => expect(Math.abs(v - expected[i])).toBeLessThan(5e-3));
    const json = await post('tiny-mlp-fp16', JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP16', shape: [1, 4], data: [0, 0, 0, 0] }] }), { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    expect(((await json.json()) as { error: string }).error).toMatch(/FP16 .*binary tensor extension/);
  });

  it('takes a binary body under any content type when the header is present, and binary outputs for a JSON request', async () => {
    const expected = await fp32Reference();
    const { body, headerLength } = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], parameters: { binary_data_size: input.byteLength } }] }, bytesOf(input));
    for (const type of ['application/json', 'text/plain', 'application/x-anything']) {
      const res = await post('tiny-mlp', body, { 'content-type': type, [HEADER]: String(headerLength) });
      expect(`${type} ${res.status} ${res.status === 200 ? '' : await res.clone().text()}`).toBe(`${type} 200 `);
      expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0].data).toEqual(expected);
    }
    const jsonRequest = { inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], data: Array.from(input) }], parameters: { binary_data_output: true } };
    const reply = await replyOf(await post('tiny-mlp', JSON.stringify(jsonRequest), { 'content-type': 'application/json' }));
    expect(Array.from(new Float32Array(copy(reply.raw.get('output')!)))).toEqual(expected);
  });

  describe('refuses malformed binary bodies with 400 naming what is wrong', () => {
    const header = (size: number, extra: object = {}) => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], parameters: { binary_data_size: size }, ...extra }] });
    it.each([
      ['a non-numeric header length', 'twelve', header(48), /Inference-Header-Content-Length must be a whole number/],
      ['a negative header length', '-5', header(48), /Inference-Header-Content-Length must be a whole number/],
      ['a header length beyond the body', '100000', header(48), /Inference-Header-Content-Length \(100000\) is beyond the body/],
      ['a binary_data_size disagreeing with the shape', undefined, header(44), /inputs\[0\] \(input\): 44 bytes given, but FP32 shape \[3,4\] needs 48/],
      ['sizes that leave bytes over', undefined, header(40), /bytes after the JSON header and the inputs' binary_data_size bytes/],
      ['a binary_data_size past the end', undefined, header(52), /binary_data_size \(52\) runs past the end of the body/],
      ['binary_data_size with data too', undefined, header(48, { data: Array.from(input) }), /either as JSON data or as raw bytes, not both/],
      ['a fractional binary_data_size', undefined, header(47.5), /binary_data_size must be a whole number of bytes/],
    ])('%s', async (_what, length, json, message) => {
      // The bytes sent are the claimed size where it differs from the shape's, so only the shape disagrees.
      const size = json.inputs[0].parameters.binary_data_size;
      const { body, headerLength } = binaryBody(json, size === 44 ? bytesOf(input).subarray(0, 44) : bytesOf(input));
      const res = await post('tiny-mlp', body, { 'content-type': 'application/octet-stream', [HEADER]: length ?? String(headerLength) });
      expect(res.status).toBe(400);
      expect(await res.json()).toEqual({ error: expect.stringMatching(message) });
    });
  });

  it('counts a malformed binary body as a refused request of its model, and names an unknown model first', async () => {
    const badRequests = async () => {
      const text = (await t.http.get('/metrics').expect(200)).text;
      return Number(/^nf_inference_requests_total\{model="tiny-mlp",outcome="bad_request"\} (\d+)$/m.exec(text)?.[1] ?? 0);
    };
    const before = await badRequests();
    const { body } = binaryBody({ inputs: [] });
    const res = await post('tiny-mlp', body, { 'content-type': 'application/octet-stream', [HEADER]: 'twelve' });
    expect(res.status).toBe(400);
    const flag = await post('tiny-mlp', JSON.stringify({ inputs: [], parameters: { binary_data_output: 'yes' } }), { 'content-type': 'application/json' });
    expect(flag.status).toBe(400);
    expect(await badRequests()).toBe(before + 2);
    const unknown = await post('no-such-model', body, { 'content-type': 'application/octet-stream', [HEADER]: 'twelve' });
    expect(unknown.status).toBe(404);
  });

  it('refuses sizes claiming 2 GB with 400 without allocating them', async () => {
    const before = process.memoryUsage().arrayBuffers;
    const small = binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 16 } }] }, new Uint8Array(16));
    const claims = [
      { [HEADER]: '2000000000', body: small.body },
      { [HEADER]: String(binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 2_000_000_000 } }] }).headerLength), body: binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 4], parameters: { binary_data_size: 2_000_000_000 } }] }).body },
      { [HEADER]: String(binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [64, 8_000_000], parameters: { binary_data_size: 16 } }] }).headerLength), body: binaryBody({ inputs: [{ name: 'input', datatype: 'FP32', shape: [64, 8_000_000], parameters: { binary_data_size: 16 } }] }, new Uint8Array(16)).body },
    ];
    for (const { body, ...headers } of claims) {
      const res = await post('tiny-mlp', body, { 'content-type': 'application/octet-stream', ...headers });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/Inference-Header-Content-Length \(2000000000\) is beyond the body|binary_data_size \(2000000000\) runs past the end|shape \[64,8000000\] does not match|16 bytes given/);
    }
    // The server runs in this process: 2 GB (or even 64 MiB) allocated for any of those claims would show here.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(64 * 1024 * 1024);
  });

  it('answers 413 to a body declared over the limit before the body is sent', async () => {
    const url = new URL(`${t.url}/v2/models/tiny-mlp/infer`);
    const status = await new Promise<number>((resolve, reject) => {
      const req = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/octet-stream', [HEADER]: '10', 'content-length': String(2_000_000_000) } });
      req.on('response', (res) => {
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', reject);
      // Only the first kilobyte of the declared 2 GB: the answer must come without the rest.
      req.write(Buffer.alloc(1024));
    });
    expect(status).toBe(413);
    const over = await post('tiny-mlp', Buffer.alloc(1_100_000), { 'content-type': 'application/octet-stream', [HEADER]: '10' });
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({ error: 'request body exceeds the limit of 1048576 bytes' });
  });

  it('the benchmark\'s rest-binary client gets binary replies (and reports a failure as one)', async () => {
    const requests = [[{ name: 'input', datatype: 'FP32' as const, shape: [1, 4], data: sampleInput(4, 1, 5) }]];
    const client = await restBinary.open({ url: t.url, model: 'tiny-mlp', restInferPath: '/v2/models/tiny-mlp/infer' }, requests, 2);
    const wrong = await restBinary.open({ url: t.url, model: 'tiny-mlp', restInferPath: '/v2/models/no-such-model/infer' }, requests, 1);
    try {
      expect(await Promise.all([client.infer(0), client.infer(1)])).toEqual([true, true]);
      expect(await wrong.infer(0)).toBe(false);
    } finally {
      await client.close();
      await wrong.close();
    }
  });

  it('carries binary bodies sealed under a PQC session, both ways', async () => {
    const expected = await fp32Reference();
    const aad = inferenceAad('tiny-mlp');
    const session = await handshake(t.url, { pin: (await t.http.get('/pqc/handshake').expect(200)).body.sha256 });
    const { body, headerLength } = binaryBody({
      id: 'sealed-bin',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [BATCH, 4], parameters: { binary_data_size: input.byteLength } }],
      parameters: { binary_data_output: true },
    }, bytesOf(input));
    const res = await post('tiny-mlp', JSON.stringify(session.seal(body, aad)), { 'content-type': 'application/nf-sealed+json', [HEADER]: String(headerLength) });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/nf-sealed+json');
    const plaintext = Buffer.from(session.open(await res.json(), aad));
    const reply = splitReply(plaintext, Number(res.headers.get(HEADER)));
    expect(reply.json).toMatchObject({ id: 'sealed-bin', outputs: [{ name: 'output', datatype: 'FP32' }] });
    expect(Array.from(new Float32Array(copy(reply.raw.get('output')!)))).toEqual(expected);

    // A malformed binary plaintext is a sealed 400, like any error after the session opened the request.
    const bad = await post('tiny-mlp', JSON.stringify(session.seal(body, aad)), { 'content-type': 'application/nf-sealed+json', [HEADER]: String(headerLength + 4) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(new TextDecoder().decode(session.open(await bad.json(), aad)))).toEqual({ error: expect.stringMatching(/JSON header|binary_data_size|bytes/) });
  });
});
