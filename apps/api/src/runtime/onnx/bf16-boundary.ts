import { float32ToHalf, halfToFloat32 } from '../half-floats';
import { Tensor } from '../runtime.types';

/**
 * BF16 at the ONNX Runtime boundary. onnxruntime-node's JavaScript API has no bfloat16 tensor type,
 * so a config may declare BF16 inputs and outputs over a graph that takes and gives float32: inputs are
 * widened to float32 before the run (exact: every BF16 value is an FP32 value) and outputs narrowed to
 * BF16 after it (round to nearest even, NaN kept). The model therefore computes in float32, not in
 * bfloat16; only the tensors crossing the API are BF16 (docs/runtime.md).
 */

/** A BF16 input as the float32 tensor the graph takes. */
export const widenBf16 = (tensor: Tensor): Tensor => ({ ...tensor, datatype: 'FP32', data: halfToFloat32('BF16', tensor.data as Uint16Array) });

/** A float32 output as the BF16 tensor the config declares. */
export const narrowToBf16 = (tensor: Tensor): Tensor => ({ ...tensor, datatype: 'BF16', data: float32ToHalf('BF16', tensor.data as Float32Array) });
