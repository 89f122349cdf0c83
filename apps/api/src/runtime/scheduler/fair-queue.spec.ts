import { FairQueue } from './fair-queue';

const drain = (q: FairQueue<string>) => {
  const out: string[] = [];
  for (let item = q.shift(); item !== undefined; item = q.shift()) out.push(item);
  return out;
};

describe('FairQueue: round-robin across tenants', () => {
  it('serves one tenant\'s flood and another tenant\'s request alternately', () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 5; i++) q.push('greedy', `g${i}`);
    q.push('polite', 'p0');
    q.push('polite', 'p1');
    q.push('third', 't0');
    expect(q.size).toBe(8);
    expect(drain(q)).toEqual(['g0', 'p0', 't0', 'g1', 'p1', 'g2', 'g3', 'g4']);
    expect(q.size).toBe(0);
  });

  it('a tenant arriving later joins the rotation', () => {
    const q = new FairQueue<string>();
    for (let i = 0; i < 4; i++) q.push('a', `a${i}`);
    expect(q.shift()).toBe('a0');
    q.push('b', 'b0');
    expect(drain(q)).toEqual(['a1', 'b0', 'a2', 'a3']);
  });

  it('removes an item wherever it is and keeps the order of the rest', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a0');
    q.push('b', 'b0');
    q.push('a', 'a1');
    expect(q.remove('b', 'b0')).toBe(true);
    expect(q.remove('b', 'b0')).toBe(false);
    expect(drain(q)).toEqual(['a0', 'a1']);
  });

  it('leaves a refused head in place', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a0');
    expect(q.shift(() => false)).toBeUndefined();
    expect(q.size).toBe(1);
    expect(q.shift()).toBe('a0');
  });

  it('visits every queued item with its place in its tenant\'s line (0: the oldest)', () => {
    const q = new FairQueue<string>();
    q.push('a', 'a0');
    q.push('b', 'b0');
    q.push('a', 'a1');
    q.shift();
    const seen: string[] = [];
    q.forEach((item, position) => seen.push(`${item}@${position}`));
    expect(seen.sort()).toEqual(['a1@0', 'b0@0']);
  });
});
