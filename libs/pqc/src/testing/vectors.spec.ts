import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadVectors, wycheproofCount, type WycheproofFile } from './vectors';

type File = WycheproofFile<{ tests: unknown[] }>;

describe('known-answer vector loading rule', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'nf-vectors-'));
  writeFileSync(path.join(root, 'empty.json'), '');
  writeFileSync(path.join(root, 'no-tests.json'), JSON.stringify({ testGroups: [{ tests: [] }] }));
  writeFileSync(path.join(root, 'ok.json'), JSON.stringify({ testGroups: [{ tests: [1, 2] }] }));
  const saved = process.env.CI;
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  });

  it.each(['missing.json', 'empty.json', 'no-tests.json'])('fails %s when CI=true', (file) => {
    process.env.CI = 'true';
    expect(() => loadVectors<File>(file, wycheproofCount, root)).toThrow('CI=true requires them');
  });

  it.each(['missing.json', 'empty.json', 'no-tests.json'])('skips %s with a notice outside CI', (file) => {
    delete process.env.CI;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(loadVectors<File>(file, wycheproofCount, root)).toBeUndefined();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining(`[skip] known-answer vectors ${file}`));
    warn.mockRestore();
  });

  it('loads a populated file in either mode', () => {
    process.env.CI = 'true';
    expect(loadVectors<File>('ok.json', wycheproofCount, root)).toEqual({ testGroups: [{ tests: [1, 2] }] });
  });

  it('never hides a corrupt file', () => {
    writeFileSync(path.join(root, 'corrupt.json'), '{"testGroups":');
    delete process.env.CI;
    expect(() => loadVectors<File>('corrupt.json', wycheproofCount, root)).toThrow(SyntaxError);
  });
});
