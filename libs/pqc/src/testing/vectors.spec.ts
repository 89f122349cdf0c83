import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { loadVectors, VECTORS_DIR, wycheproofCount, type WycheproofFile } from './vectors';

type File = WycheproofFile<{ tests: unknown[] }>;

describe('known-answer vector loading rule', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'nf-vectors-'));
  writeFileSync(path.join(root, 'empty.json'), '');
  writeFileSync(path.join(root, 'no-tests.json'), JSON.stringify({ testGroups: [{ tests: [] }] }));
  writeFileSync(path.join(root, 'ok.json'), JSON.stringify({ testGroups: [{ tests: [1, 2] }] }));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it.each(['missing.json', 'empty.json', 'no-tests.json'])('fails %s, in CI or not', (file) => {
    expect(() => loadVectors<File>(file, wycheproofCount, root)).toThrow(`known-answer vectors ${file} are missing or empty`);
  });

  it('loads a populated file', () => {
    expect(loadVectors<File>('ok.json', wycheproofCount, root)).toEqual({ testGroups: [{ tests: [1, 2] }] });
  });

  it('never hides a corrupt file', () => {
    writeFileSync(path.join(root, 'corrupt.json'), '{"testGroups":');
    expect(() => loadVectors<File>('corrupt.json', wycheproofCount, root)).toThrow(SyntaxError);
  });

  it('reads the copies kept in the repository', () => {
    expect(VECTORS_DIR).toBe(path.resolve(__dirname, '..', '..', '..', '..', 'test', 'vectors'));
    expect(loadVectors<File>('wycheproof/mlkem_768_test.json', wycheproofCount).testGroups.length).toBeGreaterThan(0);
  });
});
