import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { VERSION } from './version';

it('VERSION matches package.json', () => {
  const pkg = JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  expect(VERSION).toBe(pkg.version);
});
