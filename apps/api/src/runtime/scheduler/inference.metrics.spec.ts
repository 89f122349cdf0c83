import { register } from 'prom-client';
import { InferenceMetrics } from './inference.metrics';

describe('nf_inference_queue_depth', () => {
  beforeEach(() => register.clear());
  afterAll(() => register.clear());

  it('is read from the queues when scraped: current depths, and no series for a model whose queue is gone', async () => {
    const metrics = new InferenceMetrics();
    let depths = new Map([['tiny-mlp', 3], ['wide-mlp', 0]]);
    metrics.readQueueDepths(() => depths);
    const scrape = () => register.getSingleMetricAsString('nf_inference_queue_depth');
    expect(await scrape()).toMatch(/^nf_inference_queue_depth\{model="tiny-mlp"\} 3$/m);
    expect(await scrape()).toMatch(/^nf_inference_queue_depth\{model="wide-mlp"\} 0$/m);

    depths = new Map([['wide-mlp', 2]]);
    const after = await scrape();
    expect(after).toMatch(/^nf_inference_queue_depth\{model="wide-mlp"\} 2$/m);
    expect(after).not.toMatch(/tiny-mlp/);
  });
});
