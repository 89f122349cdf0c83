import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { ModulesContainer } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { FastifyInstance } from 'fastify';
import { AUTH_ROUTE_METADATA, AuthRouteMetadata } from '../../apps/api/src/auth/auth.decorators';
import { INFER_PATHS } from '../../apps/api/src/runtime/api/infer/infer.route';

export type RouteClass = 'admin' | 'viewer' | 'tenant' | 'public';
export interface Route {
  method: string;
  path: string;
  kind: RouteClass | undefined;
}

/** Routes anyone may call. Anything else must carry AdminOnly or TenantAuth, or be added here on purpose. */
export function isPublic(method: string, path: string): boolean {
  return (
    path.startsWith('/health/')
    || path.startsWith('/v2/health/')
    || path === '/metrics'
    || path === '/docs'
    || path.startsWith('/docs/')
    || path.startsWith('/docs-')
    || (method === 'GET' && (path === '/pqc/handshake' || path === '/pqc/handshake/chain')) // public key material, like the bundle
    || (method === 'POST' && path === '/auth/login')
    || (method === 'GET' && path === '/auth/mode')
  );
}

/** Every route Fastify will answer (Nest's and anything registered beside it), from its route tree. */
export function fastifyRoutes(fastify: FastifyInstance): { method: string; path: string }[] {
  const stack: string[] = [];
  const routes: { method: string; path: string }[] = [];
  for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1].length / 4;
    stack.length = depth;
    const path = stack.join('') + match[2];
    stack.push(match[2]);
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) {
      if (method !== 'HEAD' && method !== 'OPTIONS') routes.push({ method, path });
    }
  }
  return routes;
}

/** Every controller route Nest registered, with the auth class its metadata gives it. */
export function nestRoutes(app: NestFastifyApplication): Map<string, RouteClass | undefined> {
  const out = new Map<string, RouteClass | undefined>();
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: never[]) => unknown) | undefined;
      if (!controller) continue;
      const base = ([] as string[]).concat(Reflect.getMetadata(PATH_METADATA, controller) ?? '');
      const proto = controller.prototype as Record<string, unknown>;
      for (const name of Object.getOwnPropertyNames(proto)) {
        const handler = proto[name];
        if (name === 'constructor' || typeof handler !== 'function') continue;
        const paths: string[] | undefined = [].concat(Reflect.getMetadata(PATH_METADATA, handler) ?? []);
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (method === undefined || paths.length === 0) continue;
        const meta = (Reflect.getMetadata(AUTH_ROUTE_METADATA, handler) ?? Reflect.getMetadata(AUTH_ROUTE_METADATA, controller)) as
          | AuthRouteMetadata
          | undefined;
        const kind: RouteClass | undefined = meta?.kind === 'admin' ? meta.role : meta?.kind;
        for (const b of base) {
          for (const p of paths) {
            const path = `/${[b, p].filter(Boolean).join('/')}`.replace(/\/+/g, '/').replace(/(.)\/$/, '$1');
            out.set(`${RequestMethod[method]} ${path}`, kind);
          }
        }
      }
    }
  }
  return out;
}

/** The application's whole route table, each route classified (undefined: not classified, a test fails on it). */
export function classifiedRoutes(app: NestFastifyApplication): Route[] {
  const nest = nestRoutes(app);
  // Routes registered on Fastify directly, with the class their own code gives them.
  const fastifyNative = new Map<string, RouteClass>(INFER_PATHS.map((p) => [`POST ${p}`, 'tenant']));
  return fastifyRoutes(app.getHttpAdapter().getInstance() as FastifyInstance).map(({ method, path }) => ({
    method,
    path,
    kind: isPublic(method, path) ? 'public' : (nest.get(`${method} ${path}`) ?? fastifyNative.get(`${method} ${path}`)),
  }));
}
