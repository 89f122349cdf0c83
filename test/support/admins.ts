import { randomBytes } from 'node:crypto';
import { AdminAccountsService } from '../../apps/api/src/auth/admin-accounts.service';
import { SESSION_COOKIE } from '../../apps/api/src/auth/admin-sessions.service';
import { TestApp } from './app';

export interface AdminClient {
  id: string;
  name: string;
  get(path: string): ReturnType<TestApp['http']['get']>;
  post(path: string, body?: object): ReturnType<TestApp['http']['post']>;
  put(path: string, body?: object): ReturnType<TestApp['http']['put']>;
  patch(path: string, body?: object): ReturnType<TestApp['http']['patch']>;
  delete(path: string): ReturnType<TestApp['http']['delete']>;
}

/** Signs in and returns a client carrying the session cookie and the CSRF header. */
export async function signIn(t: TestApp, name: string, password: string): Promise<AdminClient> {
  const res = await t.http.post('/auth/login').send({ name, password }).expect(200);
  const cookie = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith(`${SESSION_COOKIE}=`))!.split(';')[0];
  const csrf = res.body.csrfToken as string;
  return {
    id: res.body.admin.id,
    name,
    get: (path) => t.http.get(path).set('Cookie', cookie),
    post: (path, body = {}) => t.http.post(path).set('Cookie', cookie).set('x-csrf-token', csrf).send(body),
    put: (path, body = {}) => t.http.put(path).set('Cookie', cookie).set('x-csrf-token', csrf).send(body),
    patch: (path, body = {}) => t.http.patch(path).set('Cookie', cookie).set('x-csrf-token', csrf).send(body),
    delete: (path) => t.http.delete(path).set('Cookie', cookie).set('x-csrf-token', csrf),
  };
}

/** A new admin (or viewer) account, its forced first password change done, signed in. */
export async function newAdmin(t: TestApp, name: string, role: 'admin' | 'viewer' = 'admin'): Promise<AdminClient> {
  const { password } = await t.app.get(AdminAccountsService).create(name, role, { type: 'cli', name: 'test' });
  const first = await signIn(t, name, password);
  const chosen = `pw-${randomBytes(12).toString('hex')}`;
  await first.post('/auth/password', { current: password, new: chosen }).expect((res) => {
    if (res.status >= 300) throw new Error(`password change failed: ${res.status} ${JSON.stringify(res.body)}`);
  });
  return signIn(t, name, chosen);
}

/** A new admin whose forced first password change is done (not left signed in); returns the chosen password. */
export async function newAdminPassword(t: TestApp, name: string): Promise<string> {
  const { password: oneTime } = await t.app.get(AdminAccountsService).create(name, 'admin', { type: 'cli', name: 'test' });
  const first = await signIn(t, name, oneTime);
  const password = `${name}-granite-lantern-orbit`;
  await first.post('/auth/password', { current: oneTime, new: password }).expect(204);
  return password;
}
