import { KeyedMutex } from './keyed-mutex';

it('runs sections for one key one at a time, in order, and other keys concurrently', async () => {
  const mutex = new KeyedMutex();
  const events: string[] = [];
  const section = (name: string, ms: number) => async () => {
    events.push(`${name}:start`);
    await new Promise((r) => setTimeout(r, ms));
    events.push(`${name}:end`);
    return name;
  };
  const results = await Promise.all([
    mutex.run('a', section('a1', 20)),
    mutex.run('a', section('a2', 1)),
    mutex.run('b', section('b1', 1)),
  ]);
  expect(results).toEqual(['a1', 'a2', 'b1']);
  expect(events.indexOf('a2:start')).toBeGreaterThan(events.indexOf('a1:end'));
  expect(events.indexOf('b1:end')).toBeLessThan(events.indexOf('a1:end'));
});

it('keeps going after a section fails', async () => {
  const mutex = new KeyedMutex();
  await expect(mutex.run('k', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
  await expect(mutex.run('k', async () => 'ok')).resolves.toBe('ok');
});
