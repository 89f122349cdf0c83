import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Logger } from '@nestjs/common';
import { loadEnv } from '../env/env.loader';
import { DEV_PSEUDONYM_KEY_FILE, Pseudonymizer, resolvePseudonymizer } from './pseudonym';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..', '..');
const quiet = { warn: jest.fn() } as unknown as Logger;
const settingsIn = (dir: string, overrides: Record<string, string> = {}) => loadEnv(REPO_ROOT, { DATA_DIR: dir, ...overrides }).settings;

describe('pseudonyms', () => {
  it('are keyed: the same tenant gets another pseudonym under another key, and no plain hash matches', () => {
    const a = resolvePseudonymizer(settingsIn(mkdtempSync(path.join(tmpdir(), 'nf-ps-')), { TELEMETRY_PSEUDONYM_KEY: 'ab'.repeat(32) }), quiet);
    const b = resolvePseudonymizer(settingsIn(mkdtempSync(path.join(tmpdir(), 'nf-ps-')), { TELEMETRY_PSEUDONYM_KEY: 'cd'.repeat(32) }), quiet);
    expect(a.source).toBe('setting');
    expect(a.tenant('tenant-1')).toMatch(/^[0-9a-f]{16}$/);
    expect(a.tenant('tenant-1')).toBe(a.tenant('tenant-1'));
    expect(a.tenant('tenant-1')).not.toBe(a.tenant('tenant-2'));
    expect(a.tenant('tenant-1')).not.toBe(b.tenant('tenant-1'));
    expect(createHash('sha256').update('tenant-1').digest('hex')).not.toContain(a.tenant('tenant-1'));
    expect(a.contributor('tenant-1', 'key-1')).not.toBe(a.contributor('tenant-2', 'key-1'));
  });

  it('are the HMAC of a labelled id, remembered per tenant and key without mixing them up, the same after the memo starts over', () => {
    const key = Buffer.alloc(32, 7);
    const mac = (input: string) => createHmac('sha256', key).update(input).digest('hex').slice(0, 16);
    const p = new Pseudonymizer(key, 'setting');
    const expected = { tenant: mac('neural-fabric/telemetry/tenant\nt'), contributor: mac('neural-fabric/telemetry/contributor\nt\nk') };
    expect(p.contributor('t', 'k')).toBe(expected.contributor);
    expect(p.tenant('t')).toBe(expected.tenant);
    expect(p.contributor('t', 'k2')).toBe(mac('neural-fabric/telemetry/contributor\nt\nk2'));
    // Ten thousand more API keys: the memo starts over at least once.
    for (let i = 0; i < 10_001; i++) p.contributor(`t${i % 7}`, `k${i}`);
    expect(p.contributor('t6', 'k10000')).toBe(mac('neural-fabric/telemetry/contributor\nt6\nk10000'));
    expect(p.tenant('t')).toBe(expected.tenant);
    expect(p.contributor('t', 'k')).toBe(expected.contributor);
  });

  it('generates a key once under DATA_DIR in simulation (mode 0600) and reuses it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-ps-'));
    const first = resolvePseudonymizer(settingsIn(dir), quiet);
    const file = path.join(dir, DEV_PSEUDONYM_KEY_FILE);
    expect(first.source).toBe('generated');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').trim()).toMatch(/^[0-9a-f]{64}$/);
    expect(resolvePseudonymizer(settingsIn(dir), quiet).tenant('t')).toBe(first.tenant('t'));
  });

  it('keeps the key of a replica that created the file first, and leaves no temp file behind', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-ps-'));
    const file = path.join(dir, DEV_PSEUDONYM_KEY_FILE);
    const winner = 'ef'.repeat(32);
    // Another replica sharing DATA_DIR creates the file between our existence check and our create.
    // The module object itself (a namespace import would be a copy the code under test never reads).
    const fs = require('node:fs') as typeof import('node:fs');
    const realLink = fs.linkSync;
    const link = jest.spyOn(fs, 'linkSync').mockImplementationOnce((existing, target) => {
      writeFileSync(file, `${winner}\n`, { mode: 0o600 });
      return realLink(existing, target);
    });
    const warn = jest.fn();
    try {
      const ours = resolvePseudonymizer(settingsIn(dir), { warn } as unknown as Logger);
      expect(link).toHaveBeenCalledTimes(1);
      expect(ours.tenant('t')).toBe(new Pseudonymizer(Buffer.from(winner, 'hex'), 'generated').tenant('t'));
      expect(readFileSync(file, 'utf8')).toBe(`${winner}\n`);
      expect(readdirSync(dir)).toEqual([DEV_PSEUDONYM_KEY_FILE]);
      expect(warn).not.toHaveBeenCalledWith(expect.stringMatching(/generated a development pseudonym key/));
    } finally {
      link.mockRestore();
    }
  });

  it('creates the key file in place on a file system without hard links', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-ps-'));
    const fs = require('node:fs') as typeof import('node:fs');
    const link = jest.spyOn(fs, 'linkSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('operation not permitted'), { code: 'EPERM' });
    });
    try {
      const generated = resolvePseudonymizer(settingsIn(dir), quiet);
      const file = path.join(dir, DEV_PSEUDONYM_KEY_FILE);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readdirSync(dir)).toEqual([DEV_PSEUDONYM_KEY_FILE]);
      expect(resolvePseudonymizer(settingsIn(dir), quiet).tenant('t')).toBe(generated.tenant('t'));
    } finally {
      link.mockRestore();
    }
  });

  it('refuses to generate one in production', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nf-ps-'));
    const settings = { ...settingsIn(dir), mode: 'production' as const };
    expect(() => resolvePseudonymizer(settings, quiet)).toThrow(/TELEMETRY_PSEUDONYM_KEY must be set in production/);
  });
});
