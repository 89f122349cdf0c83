import { onnx } from 'onnx-proto';
import { DenseLayer } from './reference';

/** ONNX opset the generated graphs use (MatMul/Add/Relu; onnxruntime-node 1.30 supports it). */
export const OPSET = 13;
const IR_VERSION = 8;

function initializer(name: string, dims: number[], values: Float32Array): onnx.ITensorProto {
  // raw_data is little-endian; Float32Array is in host order, which is little-endian on every Node platform we ship.
  return { name, dims, dataType: onnx.TensorProto.DataType.FLOAT, rawData: new Uint8Array(values.buffer.slice(values.byteOffset, values.byteOffset + values.byteLength)) };
}

function floatMatrix(name: string, features: number): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: [{ dimParam: 'batch' }, { dimValue: features }] } } },
  };
}

/** An MLP as an ONNX graph: per layer MatMul -> Add (-> Relu); input "input" [batch, in], output "output" [batch, out]. */
export function mlpToOnnx(name: string, layers: DenseLayer[]): Uint8Array {
  const nodes: onnx.INodeProto[] = [];
  const initializers: onnx.ITensorProto[] = [];
  let current = 'input';
  layers.forEach((layer, i) => {
    const last = i === layers.length - 1;
    initializers.push(initializer(`W${i}`, [layer.inFeatures, layer.outFeatures], layer.weights), initializer(`B${i}`, [layer.outFeatures], layer.bias));
    nodes.push({ opType: 'MatMul', input: [current, `W${i}`], output: [`mm${i}`], name: `matmul${i}` });
    const added = last && !layer.relu ? 'output' : `add${i}`;
    nodes.push({ opType: 'Add', input: [`mm${i}`, `B${i}`], output: [added], name: `add${i}` });
    current = added;
    if (layer.relu) {
      const activated = last ? 'output' : `relu${i}`;
      nodes.push({ opType: 'Relu', input: [added], output: [activated], name: `relu${i}` });
      current = activated;
    }
  });
  const model = onnx.ModelProto.create({
    irVersion: IR_VERSION,
    opsetImport: [{ domain: '', version: OPSET }],
    producerName: 'neural-fabric',
    producerVersion: '1',
    graph: {
      name,
      node: nodes,
      initializer: initializers,
      input: [floatMatrix('input', layers[0].inFeatures)],
      output: [floatMatrix('output', layers[layers.length - 1].outFeatures)],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}
