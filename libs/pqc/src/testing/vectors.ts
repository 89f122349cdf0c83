import { readFileSync } from 'node:fs';
import * as path from 'node:path';

// libs/pqc/src/testing -> repository root; the vectors are part of the repository.
const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
export const VECTORS_DIR = path.join(REPO_ROOT, 'test', 'vectors');

/** The one rule for known-answer data: a missing, empty or corrupt file fails the suite, everywhere. */
export function loadVectors<T>(relativePath: string, count: (data: T) => number = () => 1, root: string = VECTORS_DIR): T {
  const file = path.join(root, relativePath);
  let data: T | undefined;
  try {
    const text = readFileSync(file, 'utf8');
    data = text.trim() === '' ? undefined : (JSON.parse(text) as T);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (data !== undefined && count(data) > 0) return data;
  throw new Error(`known-answer vectors ${relativePath} are missing or empty (looked in ${root})`);
}

/** describe() over the file's contents; a missing or empty file fails it. */
export function describeWithVectors<T>(title: string, relativePath: string, body: (data: T) => void, count?: (data: T) => number): void {
  describe(title, () => body(loadVectors<T>(relativePath, count)));
}

export interface WycheproofFile<G> {
  readonly testGroups: readonly G[];
}

export function wycheproofCount<T>(file: WycheproofFile<{ readonly tests: readonly T[] }>): number {
  return file.testGroups.reduce((n, g) => n + g.tests.length, 0);
}

export const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, 'hex'));
export const toHexString = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
