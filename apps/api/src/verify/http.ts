import * as http from 'node:http';
import * as https from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

export interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: unknown;
  /** Certificates to trust for https (the service's development ones). */
  ca?: Buffer;
  timeoutMs?: number;
}

/**
 * One request over node:http or node:https (a CA to trust, which fetch cannot take), no connection
 * reuse; a JSON body is serialised. Never throws for an HTTP status, only when there is no answer.
 */
export function request(url: string, init: RequestInit = {}): Promise<HttpAnswer> {
  const body = init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body);
  const headers = { ...(body !== undefined && typeof init.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...init.headers };
  const secure = url.startsWith('https:');
  const options: https.RequestOptions = { method: init.method ?? 'GET', headers, agent: false, ...(secure ? { ca: init.ca, servername: 'localhost' } : {}) };
  return new Promise((resolve, reject) => {
    const req = (secure ? https : http).request(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(init.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer from ${url} within ${init.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer's JSON body, or an error that says what came instead. */
export function json<T = Record<string, unknown>>(answer: HttpAnswer, what: string): T {
  try {
    return JSON.parse(answer.text) as T;
  } catch {
    throw new Error(`${what} answered ${answer.status} with a body that is not JSON: ${answer.text.slice(0, 120)}`);
  }
}

/** Throws unless the status is the expected one, quoting the server's own message. */
export function expectStatus(answer: HttpAnswer, expected: number, what: string): void {
  if (answer.status === expected) return;
  let why = answer.text.slice(0, 200);
  try {
    const body = JSON.parse(answer.text) as { message?: unknown; error?: unknown };
    why = String(body.message ?? body.error ?? why);
  } catch {
    // not JSON: the text itself
  }
  throw new Error(`${what} answered ${answer.status} (expected ${expected}): ${why}`);
}

/** A signed-in dashboard session: the cookie and the CSRF header on every call. */
export class AdminClient {
  private constructor(
    private readonly baseUrl: string,
    private readonly cookie: string,
    private readonly csrf: string,
    readonly id: string,
    readonly name: string,
    readonly mustChangePassword: boolean,
  ) {}

  static async signIn(baseUrl: string, name: string, password: string): Promise<AdminClient> {
    const answer = await request(`${baseUrl}/auth/login`, { method: 'POST', body: { name, password } });
    expectStatus(answer, 200, `POST /auth/login as ${name}`);
    const setCookie = answer.headers['set-cookie'] ?? [];
    const cookie = setCookie.map((c) => c.split(';')[0]).find((c) => /^[^=]+=.+/.test(c));
    if (!cookie) throw new Error('POST /auth/login set no session cookie');
    const body = json<{ csrfToken: string; admin: { id: string; name: string }; mustChangePassword: boolean }>(answer, 'POST /auth/login');
    return new AdminClient(baseUrl, cookie, body.csrfToken, body.admin.id, body.admin.name, body.mustChangePassword);
  }

  get(path: string): Promise<HttpAnswer> {
    return request(`${this.baseUrl}${path}`, { headers: { cookie: this.cookie } });
  }

  post(path: string, body: unknown = {}): Promise<HttpAnswer> {
    return request(`${this.baseUrl}${path}`, { method: 'POST', body, headers: { cookie: this.cookie, 'x-csrf-token': this.csrf } });
  }
}
