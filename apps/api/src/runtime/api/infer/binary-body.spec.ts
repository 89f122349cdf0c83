import { Tensor } from '../../runtime.types';
import { decodeInferRequest, ModelSignature } from '../v2.codec';
import { binaryOutputs, encodeBinaryReply, parseHeaderLength, splitBinaryRequest } from './binary-body';
import { refused } from '../../../../../../test/support/v2-refusal';

const model: ModelSignature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 2] },
    { name: 'words', datatype: 'BYTES', shape: [-1] },
  ],
  outputs: [
    { name: 'y', datatype: 'FP32', shape: [-1, 2] },
    { name: 'z', datatype: 'INT64', shape: [-1] },
  ],
  maxBatchSize: 8,
};

const bytesOf = (view: ArrayBufferView) => new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
const x = bytesOf(new Float32Array([1, 2, 3, 4]));
/** BYTES elements with their 4-byte little-endian length prefixes. */
function words(...items: string[]): Buffer {
  const parts = items.map((w) => Buffer.from(w));
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.writeUInt32LE(p.length, offset);
    p.copy(out, offset + 4);
    offset += 4 + p.length;
  }
  return out;
}

const input = (name: string, datatype: string, shape: number[], size?: number, extra: object = {}) => ({
  name, datatype, shape, ...(size === undefined ? {} : { parameters: { binary_data_size: size } }), ...extra,
});

/** A body (JSON header + chunks) through the splitter and the codec, as the route runs them. */
function decode(header: object, chunks: Uint8Array[], headerLength?: string) {
  const json = Buffer.from(JSON.stringify(header));
  const body = Buffer.concat([json, ...chunks]);
  const { header: parsed, raw } = splitBinaryRequest(body, headerLength ?? String(json.length));
  return decodeInferRequest(parsed, model, raw);
}


describe('binary tensor extension: request bodies', () => {
  it('splits the JSON header from the inputs\' bytes, in the order of inputs', () => {
    const decoded = decode({ inputs: [input('x', 'FP32', [2, 2], 16), input('words', 'BYTES', [2], 15)] }, [x, words('hi', 'there')]);
    expect(decoded.inputs[0].data).toEqual(new Float32Array([1, 2, 3, 4]));
    expect(decoded.inputs[1].data).toEqual(['hi', 'there']);
  });

  it('mixes JSON data and binary inputs', () => {
    const decoded = decode({ inputs: [input('words', 'BYTES', [1], 5), input('x', 'FP32', [1, 2], undefined, { data: [5, 6] })] }, [words('a')]);
    expect(decoded.inputs[0].data).toEqual(new Float32Array([5, 6]));
    expect(decoded.inputs[1].data).toEqual(['a']);
  });

  it('takes the whole body as JSON when the header is absent', () => {
    const body = Buffer.from(JSON.stringify({ inputs: [input('x', 'FP32', [1, 2], undefined, { data: [1, 2] })] }));
    expect(splitBinaryRequest(body, undefined).header).toMatchObject({ inputs: [{ name: 'x' }] });
  });

  it.each([
    ['non-numeric', 'abc', /Inference-Header-Content-Length must be a whole number of bytes \(got "abc"\)/],
    ['negative', '-1', /must be a whole number of bytes/],
    ['fractional', '1.5', /must be a whole number of bytes/],
    ['empty', '', /must be a whole number of bytes/],
    ['beyond the body', '99999', /Inference-Header-Content-Length \(99999\) is beyond the body \(\d+ bytes\)/],
    ['absurdly large', '99999999999999999999', /must be a whole number of bytes/],
  ])('refuses a header length that is %s', (_what, length, message) => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16)] }, [x], length))).toMatch(message);
  });

  it('refuses a header length that cuts the JSON short, or one that takes tensor bytes into it', () => {
    const header = { inputs: [input('x', 'FP32', [2, 2], 16)] };
    const length = Buffer.byteLength(JSON.stringify(header));
    expect(refused(() => decode(header, [x], String(length - 1)))).toMatch(/not valid JSON/);
    expect(refused(() => decode(header, [x], String(length + 4)))).toMatch(/not valid JSON|not UTF-8/);
  });

  it('refuses a binary_data_size that disagrees with shape × element size, naming the input', () => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 12)] }, [x.subarray(0, 12)]))).toMatch(/inputs\[0\] \(x\): 12 bytes given, but FP32 shape \[2,2\] needs 16/);
  });

  it('refuses sizes that do not add up to the body (bytes left over, or running past its end)', () => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16)] }, [x, new Uint8Array(3)]))).toMatch(/3 bytes after the JSON header/);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16), input('words', 'BYTES', [1], 9)] }, [x, words('ab')]))).toMatch(/inputs\[1\] \(words\)\.parameters\.binary_data_size \(9\) runs past the end of the body: only 6 bytes remain/);
  });

  it('refuses a claimed size far beyond the body before slicing or allocating anything', () => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 2 ** 31)] }, [x]))).toMatch(/binary_data_size \(2147483648\) runs past the end/);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], -16)] }, [x]))).toMatch(/binary_data_size must be a whole number of bytes/);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], '16' as unknown as number)] }, [x]))).toMatch(/binary_data_size must be a whole number of bytes/);
  });

  it('refuses BYTES whose length prefix overruns the input\'s bytes', () => {
    const overrun = words('abc');
    overrun.writeUInt32LE(200, 0);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16), input('words', 'BYTES', [1], 7)] }, [x, overrun]))).toMatch(/inputs\[1\] \(words\): BYTES element 0 claims 200 bytes but only 3 remain/);
  });

  it('refuses a binary input given twice, or one missing', () => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16), input('x', 'FP32', [2, 2], 16)] }, [x, x]))).toMatch(/inputs\[1\] \(x\): input given twice/);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16)] }, [x]))).toMatch(/inputs: missing words/);
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16), input('words', 'BYTES', [1])] }, [x]))).toMatch(/inputs\[1\] \(words\)\.data must be an array/);
  });

  it('refuses binary_data_size together with JSON data', () => {
    expect(refused(() => decode({ inputs: [input('x', 'FP32', [2, 2], 16, { data: [1, 2, 3, 4] }), input('words', 'BYTES', [1], 5)] }, [x, words('a')]))).toMatch(/either as JSON data or as raw bytes, not both/);
  });

  it('refuses a JSON header that is not UTF-8, not an object, or nested too deep', () => {
    expect(refused(() => splitBinaryRequest(Buffer.from([0xff, 0xfe]), '2'))).toMatch(/not UTF-8/);
    expect(refused(() => splitBinaryRequest(Buffer.from('[1]'), '3'))).toMatch(/must be a JSON object/);
    const deep = `{"a":${'['.repeat(100)}${']'.repeat(100)}}`;
    expect(refused(() => splitBinaryRequest(Buffer.from(deep), String(deep.length)))).toMatch(/deeper than 64 levels/);
  });

  it('drops __proto__ keys from the JSON header', () => {
    const text = '{"__proto__":{"polluted":true},"inputs":[]}';
    const { header } = splitBinaryRequest(Buffer.from(text), String(text.length));
    expect(Object.getPrototypeOf(header)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('parses the header length strictly', () => {
    expect(parseHeaderLength(undefined, 10)).toBeUndefined();
    expect(parseHeaderLength(' 7 ', 10)).toBe(7);
    expect(parseHeaderLength('10', 10)).toBe(10);
  });
});

describe('binary tensor extension: replies', () => {
  const y: Tensor = { name: 'y', datatype: 'FP32', shape: [1, 2], data: new Float32Array([0.5, -1]) };
  const z: Tensor = { name: 'z', datatype: 'INT64', shape: [1], data: new BigInt64Array([7n]) };

  it('puts the asked-for outputs after the JSON header with binary_data_size, the others as JSON', () => {
    const reply = encodeBinaryReply({ model_name: 'm' }, [y, z], binaryOutputs({ outputs: [{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }] }))!;
    const json = JSON.parse(reply.body.subarray(0, reply.headerLength).toString());
    expect(json).toEqual({ model_name: 'm', outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } }, { name: 'z', datatype: 'INT64', shape: [1], data: [7] }] });
    const tail = reply.body.subarray(reply.headerLength);
    expect(Array.from(new Float32Array(tail.buffer.slice(tail.byteOffset, tail.byteOffset + tail.byteLength)))).toEqual([0.5, -1]);
  });

  it('binary_data_output makes every output binary unless an output says otherwise; none binary means a JSON reply', () => {
    const all = binaryOutputs({ parameters: { binary_data_output: true }, outputs: [{ name: 'z', parameters: { binary_data: false } }] });
    expect([all('y'), all('z')]).toEqual([true, false]);
    expect(encodeBinaryReply({}, [y, z], binaryOutputs({}))).toBeUndefined();
  });

  it('refuses binary flags that are not booleans', () => {
    expect(refused(() => binaryOutputs({ parameters: { binary_data_output: 'yes' } }))).toMatch(/parameters\.binary_data_output must be true or false/);
    expect(refused(() => binaryOutputs({ outputs: [{ name: 'y', parameters: { binary_data: 1 } }] }))).toMatch(/outputs\[0\]\.parameters\.binary_data must be true or false/);
  });
});
