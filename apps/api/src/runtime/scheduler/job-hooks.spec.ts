import { ModelHandle } from '../runtime.types';
import { InferenceJob, JobHookChain, modelReadyHook, simulationPolicyHook } from './job-hooks';

const handle = (over: Partial<ModelHandle> = {}) => ({ name: 'm', state: 'READY', simulated: false, ...over }) as ModelHandle;
const job = (over: Partial<ModelHandle> = {}): InferenceJob => ({ handle: handle(over), tenant: 't', rows: 1 });

describe('JobHookChain', () => {
  it('runs hooks in registration order and stops at the first refusal', async () => {
    const chain = new JobHookChain();
    const seen: string[] = [];
    chain.register(
      { name: 'a', before: () => void seen.push('a') },
      { name: 'refuse', before: () => Promise.reject(new Error('no')) },
      { name: 'c', before: () => void seen.push('c') },
    );
    expect(chain.names()).toEqual(['a', 'refuse', 'c']);
    await expect(chain.run(job())).rejects.toThrow('no');
    expect(seen).toEqual(['a']);
  });

  it('is fixed once the first job ran, and refuses duplicate names', async () => {
    const chain = new JobHookChain();
    chain.register(modelReadyHook);
    expect(() => chain.register(modelReadyHook)).toThrow(/registered twice/);
    await chain.run(job());
    expect(() => chain.register({ name: 'late', before: () => undefined })).toThrow(/before the first job/);
  });
});

describe('built-in hooks', () => {
  it('model-ready refuses a model that is not READY with 503', async () => {
    expect(() => modelReadyHook.before(job({ state: 'LOADING' }))).toThrow(expect.objectContaining({ status: 503 }));
    expect(() => modelReadyHook.before(job())).not.toThrow();
  });

  it('simulation-policy refuses simulated models only in production without the explicit allowance', () => {
    expect(() => simulationPolicyHook(true, false).before(job({ simulated: true }))).toThrow(expect.objectContaining({ status: 503 }));
    expect(() => simulationPolicyHook(true, true).before(job({ simulated: true }))).not.toThrow();
    expect(() => simulationPolicyHook(false, false).before(job({ simulated: true }))).not.toThrow();
    expect(() => simulationPolicyHook(true, false).before(job())).not.toThrow();
  });
});
