import * as path from 'node:path';
import type { FastifyStaticOptions } from '@fastify/static';

/** Vite names every built asset by its content hash: such a file never changes under its name. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';
/** index.html names the hashed assets of the current build, so a browser asks again each time (a 304 when unchanged). */
export const REVALIDATE = 'no-cache';

/**
 * How the built dashboard is served (@fastify/static): the .br and .gz files the build wrote beside
 * each asset go to clients that accept them (`content-encoding`, `vary: accept-encoding`), never as
 * routes of their own; hashed assets are cached for a year, index.html is revalidated. Only these
 * build outputs are compressed: API answers are not (they may carry a CSRF token next to text an
 * attacker chooses, what BREACH needs).
 */
export function dashboardAssets(root: string): FastifyStaticOptions {
  return {
    root,
    prefix: '/',
    // One route per built file, so unknown paths still reach the JSON 404.
    wildcard: false,
    // An array: @fastify/static looks up a precompressed index only from a list of names.
    index: ['index.html'],
    preCompressed: true,
    globIgnore: ['**/*.br', '**/*.gz'],
    // Cache-Control is ours (setHeaders), not @fastify/send's default max-age=0.
    cacheControl: false,
    setHeaders(reply, file) {
      const hashed = path.relative(root, file).split(path.sep)[0] === 'assets';
      reply.header('cache-control', hashed ? IMMUTABLE : REVALIDATE);
    },
  };
}
