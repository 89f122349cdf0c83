import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// libs/pqc/src/testing -> repository root; vectors live beside the repository.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const VECTORS_DIR = path.resolve(REPO_ROOT, '..', 'shared', 'vectors');

/**
 * The one rule for known-answer data: in CI (CI=true) a missing or empty file fails the suite;
 * elsewhere (a clone without ../shared) the tests are skipped with a printed notice.
 */
export function loadVectors<T>(
  relativePath: string,
  count: (data: T) => number = () => 1,
  root: string = VECTORS_DIR,
): T | undefined {
  const file = path.join(root, relativePath);
  let data: T | undefined;
  try {
    const text = readFileSync(file, 'utf8');
    data = text.trim() === '' ? undefined : (JSON.parse(text) as T);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (data !== undefined && count(data) > 0) return data;
  const reason = `known-answer vectors ${relativePath} are missing or empty (looked in ${root})`;
  if (process.env.CI === 'true') throw new Error(`${reason}; CI=true requires them`);
  console.warn(`[skip] ${reason}: skipping these tests`);
  return undefined;
}

/** describe() over the file's contents, or a visibly skipped describe when it may be absent. */
export function describeWithVectors<T>(
  title: string,
  relativePath: string,
  body: (data: T) => void,
  count?: (data: T) => number,
): void {
  const data = loadVectors<T>(relativePath, count);
  if (data === undefined) {
    describe.skip(title, () => it(`needs ${relativePath}`, () => undefined));
  } else {
    describe(title, () => body(data));
  }
}

export interface WycheproofFile<G> {
  readonly testGroups: readonly G[];
}

export function wycheproofCount<T>(file: WycheproofFile<{ readonly tests: readonly T[] }>): number {
  return file.testGroups.reduce((n, g) => n + g.tests.length, 0);
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
export const toHexString = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
