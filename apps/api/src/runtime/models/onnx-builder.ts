import { onnx } from 'onnx-proto';
import { DenseLayer } from './reference';

/** ONNX opset the generated graphs use (MatMul/Add/Relu; onnxruntime-node 1.30 supports it). */
export const OPSET = 13;
const IR_VERSION = 8;

function initializer(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  // raw_data is little-endian; Float32Array is in host order, which is little-endian on every Node platform we ship.
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) };
}

function floatMatrix(name: string, features: number, elemType: onnx.TensorProto.DataType = onnx.TensorProto.DataType.FLOAT): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: [{ dimParam: 'batch' }, { dimValue: features }] } } },
  };
}

const cast = (input: string, output: string, to: onnx.TensorProto.DataType): onnx.INodeProto => ({
  opType: 'Cast', input: [input], output: [output], name: `cast_${output}`, attribute: [{ name: 'to', type: onnx.AttributeProto.AttributeType.INT, i: to }],
});

/**
 * An MLP as an ONNX graph: per layer MatMul -> Add (-> Relu); input "input" [batch, in], output
 * "output" [batch, out]. With `float16`, the graph's input and output are float16, cast to and from
 * float32 around the same float32 layers.
 */
export function mlpToOnnx(name: string, layers: DenseLayer[], float16 = false): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  const { FLOAT, FLOAT16 } = onnx.TensorProto.DataType;
  let current = 'input';
  if (float16) {
    nodes.push(cast('input', 'input_f32', FLOAT));
    current = 'input_f32';
  }
  const output = float16 ? 'output_f32' : 'output';
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    initializers.push(initializer(`W${i}`, [layer.inFeatures, layer.outFeatures], layer.weights), initializer(`B${i}`, [layer.outFeatures], layer.bias));
    nodes.push({ opType: 'MatMul', input: [current, `W${i}`], output: [`mm${i}`], name: `matmul${i}` });
    const added = last && !layer.relu ? output : `add${i}`;
    nodes.push({ opType: 'Add', input: [`mm${i}`, `B${i}`], output: [added], name: `add${i}` });
    current = added;
    if (layer.relu) {
      const activated = last ? output : `relu${i}`;
      nodes.push({ opType: 'Relu', input: [added], output: [activated], name: `relu${i}` });
      current = activated;
    }
  });
  if (float16) nodes.push(cast(output, 'output', FLOAT16));
  const io = float16 ? FLOAT16 : FLOAT;
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'neural-fabric',
    producerVersion: '1',
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [floatMatrix('input', layers[0].inFeatures, io)],
      output: [floatMatrix('output', layers[layers.length - 1].outFeatures, io)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
