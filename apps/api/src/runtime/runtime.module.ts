import { Module } from '@nestjs/common';
import { MockRuntime } from './mock.runtime';
import { ModelRepository } from './model-repository.service';
import { OnnxRuntime } from './onnx/onnx.runtime';
import { RuntimeHooks } from './runtime.hooks';
import { RuntimeMetrics } from './runtime.metrics';

/**
 * Model serving: framework detection (RuntimeHooks), runtimes (ONNX Runtime on worker threads,
 * the mock for simulation) and the model repository. Others use models through ModelRepository.
 */
@Module({
  providers: [RuntimeHooks, RuntimeMetrics, OnnxRuntime, MockRuntime, ModelRepository],
  exports: [ModelRepository, RuntimeHooks],
})
export class RuntimeModule {}
