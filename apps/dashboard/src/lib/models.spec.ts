import { unloadConsequences } from './models';

const model = { name: 'tiny-mlp', version: '2', state: 'READY' as const, framework: 'onnx', simulated: false, loadMs: 41.7, overBudget: false, queueDepth: 3 };

describe('unloadConsequences', () => {
  it('names the effect: new requests refused, the queued ones refused now, how to bring it back', () => {
    expect(unloadConsequences(model)).toEqual([
      'tiny-mlp stops serving at once: every new request for it gets 503 until it is loaded again.',
      'The 3 requests waiting in its queue now are refused with 503 (model was unloaded).',
      'Version 2 leaves memory; Load brings back the latest version (about 42 ms).',
    ]);
    expect(unloadConsequences({ ...model, queueDepth: 0 })[1]).toBe('Requests waiting in its queue at that moment are refused with 503 (none wait now).');
    expect(unloadConsequences({ ...model, queueDepth: 1 })[1]).toBe('The 1 request waiting in its queue now is refused with 503 (model was unloaded).');
  });
});
