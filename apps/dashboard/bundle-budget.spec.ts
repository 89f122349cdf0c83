import { BundleChunks, bundleReport, firstPageChunks } from './bundle-budget';

const chunk = (code: string, imports: string[] = [], isEntry = false) => ({ type: 'chunk' as const, isEntry, imports, code });

describe('first-page bundle budget', () => {
  const bundle: BundleChunks = {
    'index.js': chunk('import "./vendor.js";'.repeat(50), ['vendor.js'], true),
    'vendor.js': chunk('export const x = 1;'.repeat(100), ['shared.js']),
    'shared.js': chunk('export const y = 2;'),
    'lazy-page.js': chunk('export default 3;'.repeat(1000), ['shared.js']),
    'index.css': { type: 'asset' },
  };

  it('counts the entry and its static imports, not lazy chunks or assets', () => {
    expect(firstPageChunks(bundle)).toEqual(['index.js', 'shared.js', 'vendor.js']);
  });

  it('reports gzipped sizes and whether they fit the budget', () => {
    const report = bundleReport(bundle, 10_000);
    expect(report.files.map((f) => f.file)).toEqual(['index.js', 'shared.js', 'vendor.js']);
    expect(report.firstPageGzipBytes).toBe(report.files.reduce((sum, f) => sum + f.gzipBytes, 0));
    expect(report.files.every((f) => f.gzipBytes > 0 && f.gzipBytes < f.bytes + 30)).toBe(true);
    expect(report.withinBudget).toBe(true);
    expect(bundleReport(bundle, report.firstPageGzipBytes - 1).withinBudget).toBe(false);
  });
});
