/**
 * Imported by the ONNX worker before onnxruntime-node. With a global Float16Array (Node 24),
 * onnxruntime-common 1.30 wraps float16 tensor data in a Float16Array, which the native binding then
 * reads as zero bytes: float16 inputs fail ("not enough space: expected 8, got 0") and float16 outputs
 * read wrong. This thread holds FP16 as raw Uint16Array bits throughout, so it hides Float16Array from
 * onnxruntime-common (which looks for it once) and gets Uint16Array bits both ways. Per thread: the
 * main thread keeps its Float16Array.
 */
delete (globalThis as { Float16Array?: unknown }).Float16Array;
