import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** The version of docs/policies/model_telemetry.md this code enforces (its `Policy-Version:` line). */
export const POLICY_DOCUMENT_VERSION = '1';

const VERSION_LINE = /^Policy-Version:[ \t]*(\S+)[ \t]*$/m;

export interface PolicyDocumentState {
  /** Relative to the working directory when inside it. */
  path: string;
  present: boolean;
  version: string | null;
  expectedVersion: string;
  /** Why the document does not hold (missing, no or another version); absent when it does. */
  problem?: string;
}

/** Reads the policy document afresh (a small file): deleting or restoring it shows at the next check. */
export function readPolicyDocument(file: string): PolicyDocumentState {
  const relative = path.relative(process.cwd(), file);
  const shown = relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
  const state = { path: shown, expectedVersion: POLICY_DOCUMENT_VERSION };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    return { ...state, present: false, version: null, problem: `policy document ${shown} is missing (${(error as NodeJS.ErrnoException).code})` };
  }
  const version = VERSION_LINE.exec(text)?.[1] ?? null;
  if (version === POLICY_DOCUMENT_VERSION) return { ...state, present: true, version };
  const problem = version
    ? `policy document ${shown} is version ${version}, this service enforces version ${POLICY_DOCUMENT_VERSION}`
    : `policy document ${shown} has no "Policy-Version:" line`;
  return { ...state, present: true, version, problem };
}
