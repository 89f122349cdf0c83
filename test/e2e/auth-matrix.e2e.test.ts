import { randomUUID } from 'node:crypto';
import { AdminAccountsService } from '../../apps/api/src/auth/admin-accounts.service';
import { startTestApp, TestApp } from '../support/app';
import { classifiedRoutes, Route } from '../support/routes';

jest.setTimeout(60_000);

const concrete = (path: string) => path.replace(/:[A-Za-z]+/g, randomUUID());

async function signIn(t: TestApp, name: string, password: string) {
  const res = await t.http.post('/auth/login').send({ name, password }).expect(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[])[0].split(';')[0];
  return { cookie, csrf: res.body.csrfToken as string };
}

describe('route table: every route is classified and protected as classified', () => {
  let t: TestApp;
  let routes: Route[];
  let viewer: { cookie: string; csrf: string };
  let pending: { cookie: string; csrf: string };

  const send = (method: string, path: string, auth?: { cookie: string; csrf: string }) => {
    let req = t.http[method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](concrete(path));
    if (auth) req = req.set('Cookie', auth.cookie).set('x-csrf-token', auth.csrf);
    return method === 'GET' || method === 'DELETE' ? req : req.send({});
  };

  beforeAll(async () => {
    t = await startTestApp({ PQC_WORKERS: '1' });
    routes = classifiedRoutes(t.app);
    const accounts = t.app.get(AdminAccountsService);
    const created = await accounts.create('matrix-viewer', 'viewer', { type: 'cli', name: 'test' });
    const first = await signIn(t, 'matrix-viewer', created.password);
    await t.http.post('/auth/password').set('Cookie', first.cookie).set('x-csrf-token', first.csrf).send({ current: created.password, new: 'viewer-password-123' }).expect(204);
    viewer = await signIn(t, 'matrix-viewer', 'viewer-password-123');
    const mustChange = await accounts.create('matrix-pending', 'admin', { type: 'cli', name: 'test' });
    pending = await signIn(t, 'matrix-pending', mustChange.password);
  });
  afterAll(async () => {
    await t.close();
  });

  it('finds the routes it should (the enumeration itself works)', () => {
    const keys = routes.map((r) => `${r.method} ${r.path}`);
    expect(keys).toEqual(expect.arrayContaining(['GET /health/live', 'GET /metrics', 'POST /auth/login', 'GET /auth/me', 'DELETE /auth/api-keys/:id', 'POST /pqc/handshake', 'GET /docs/openapi.json']));
    expect(routes.find((r) => r.method === 'POST' && r.path === '/pqc/handshake')?.kind).toBe('tenant');
    expect(routes.find((r) => r.method === 'POST' && r.path === '/auth/tenants')?.kind).toBe('admin');
    expect(routes.find((r) => r.method === 'GET' && r.path === '/auth/tenants')?.kind).toBe('viewer');
    expect(routes.find((r) => r.method === 'GET' && r.path === '/policies')?.kind).toBe('viewer');
    expect(routes.find((r) => r.method === 'GET' && r.path === '/admin/overview')?.kind).toBe('viewer');
  });

  it('classifies every route as admin, viewer, tenant or public (a new route fails here until it is)', () => {
    expect(routes.filter((r) => r.kind === undefined).map((r) => `${r.method} ${r.path}`)).toEqual([]);
  });

  it('answers 401 without a session on every AdminOnly route', async () => {
    for (const r of routes.filter((x) => x.kind === 'admin' || x.kind === 'viewer')) {
      const res = await send(r.method, r.path);
      expect(`${r.method} ${r.path} -> ${res.status}`).toBe(`${r.method} ${r.path} -> 401`);
    }
  });

  it('answers 403 to a viewer on every admin-role route', async () => {
    for (const r of routes.filter((x) => x.kind === 'admin')) {
      const res = await send(r.method, r.path, viewer);
      expect(`${r.method} ${r.path} -> ${res.status} ${res.body.message}`).toBe(`${r.method} ${r.path} -> 403 this needs the admin role`);
    }
  });

  it('lets a viewer through on viewer routes that only read', async () => {
    for (const r of routes.filter((x) => x.kind === 'viewer' && x.method === 'GET')) {
      const res = await send(r.method, r.path, viewer);
      expect(`${r.path} -> ${[401, 403].includes(res.status) ? `refused ${res.status}` : 'allowed'}`).toBe(`${r.path} -> allowed`);
    }
  });

  it('refuses a must-change-password account everywhere but the password change and sign-out', async () => {
    for (const r of routes.filter((x) => (x.kind === 'admin' || x.kind === 'viewer') && !['/auth/password', '/auth/logout'].includes(x.path))) {
      const res = await send(r.method, r.path, pending);
      expect(`${r.method} ${r.path} -> ${res.status} ${res.body.message}`).toMatch(/-> 403 password change required/);
    }
  });

  it('answers 401 to a wrong API key on every tenant route, even in simulation', async () => {
    const tenantRoutes = routes.filter((x) => x.kind === 'tenant');
    expect(tenantRoutes.length).toBeGreaterThan(0);
    for (const r of tenantRoutes) {
      const res = await send(r.method, r.path).set('Authorization', `Bearer nf_${'x'.repeat(43)}`);
      expect(`${r.method} ${r.path} -> ${res.status}`).toBe(`${r.method} ${r.path} -> 401`);
    }
  });

  it('never asks for credentials on public routes', async () => {
    for (const r of routes.filter((x) => x.kind === 'public' && x.method === 'GET' && !x.path.includes('*'))) {
      const res = await send(r.method, r.path);
      expect(`${r.path} -> ${[401, 403].includes(res.status) ? 'refused' : 'open'}`).toBe(`${r.path} -> open`);
    }
  });
});
