import { existsSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The compiled JavaScript of a worker module that sits beside the caller (`dir` = its __dirname).
 * Under jest the caller is TypeScript and worker threads cannot load it, so the built copy in
 * dist/ is used (npm test builds before testing).
 */
export function compiledWorkerFile(dir: string, name: string): string {
  const here = path.join(dir, name);
  if (existsSync(here)) return here;
  const built = path.resolve('dist', path.relative(process.cwd(), dir), name);
  if (existsSync(built)) return built;
  throw new Error(`worker ${name} not found at ${here} or ${built}: run npm run build:api`);
}
