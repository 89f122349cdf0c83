import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

/** First-page JavaScript may not exceed this, gzipped (kB as Vite prints them: 1000 bytes). */
export const FIRST_PAGE_BUDGET_BYTES = 250_000;

/** The parts of Rollup's output bundle this reads. */
export type BundleChunks = Record<string, { type: 'chunk'; isEntry: boolean; imports: string[]; code: string } | { type: 'asset' }>;

/** JS files the first page loads: the entry chunks and everything they import statically (lazy chunks excluded). */
export function firstPageChunks(bundle: BundleChunks): string[] {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const chunk = bundle[file];
    if (seen.has(file) || chunk?.type !== 'chunk') return;
    seen.add(file);
    chunk.imports.forEach(visit);
  };
  Object.entries(bundle)
    .filter(([, chunk]) => chunk.type === 'chunk' && chunk.isEntry)
    .forEach(([file]) => visit(file));
  return [...seen].sort();
}

export interface BundleReport {
  budgetBytes: number;
  firstPageGzipBytes: number;
  withinBudget: boolean;
  files: { file: string; bytes: number; gzipBytes: number }[];
}

export function bundleReport(bundle: BundleChunks, budgetBytes = FIRST_PAGE_BUDGET_BYTES): BundleReport {
  const files = firstPageChunks(bundle).map((file) => {
    const code = (bundle[file] as { code: string }).code;
    return { file, bytes: Buffer.byteLength(code), gzipBytes: gzipSync(code).length };
  });
  const firstPageGzipBytes = files.reduce((sum, f) => sum + f.gzipBytes, 0);
  return { budgetBytes, firstPageGzipBytes, withinBudget: firstPageGzipBytes <= budgetBytes, files };
}

/** Writes the first-page size to `reportFile` after every build, and fails the build over budget. */
export function bundleBudget(reportFile: string): Plugin {
  return {
    name: 'nf-bundle-budget',
    apply: 'build',
    writeBundle(_options, bundle) {
      const report = bundleReport(bundle as unknown as BundleChunks);
      mkdirSync(path.dirname(reportFile), { recursive: true });
      writeFileSync(reportFile, `${JSON.stringify(report, null, 2)}\n`);
      const kb = (bytes: number) => (bytes / 1000).toFixed(2);
      const line = `first-page JS: ${kb(report.firstPageGzipBytes)} kB gzipped (budget ${kb(report.budgetBytes)} kB) -> ${path.relative(process.cwd(), reportFile)}`;
      if (!report.withinBudget) this.error(`over budget: ${line}`);
      this.info(line);
    },
  };
}
