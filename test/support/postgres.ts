import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';

/** The machine's Postgres (trust auth, database `test`); override with NF_TEST_POSTGRES_URL. */
export const POSTGRES_URL = process.env.NF_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function reachable(): boolean {
  const probe = `const {Client}=require('pg');const c=new Client({connectionString:process.argv[1],connectionTimeoutMillis:2000});
    c.connect().then(()=>c.end()).then(()=>process.exit(0),()=>process.exit(1));`;
  try {
    execFileSync(process.execPath, ['-e', probe, POSTGRES_URL], { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}

/**
 * `describe` for the Postgres tier. Without a reachable Postgres it skips with a notice,
 * except in CI (CI=true), where .ci/run makes the tier required and it fails instead.
 */
export function describePostgres(name: string, body: () => void): void {
  if (reachable()) return describe(name, body);
  if (process.env.CI === 'true') {
    return describe(name, () => {
      it('needs PostgreSQL', () => {
        throw new Error(`PostgreSQL is required in CI but ${POSTGRES_URL.replace(/:[^:@/]*@/, ':***@')} is unreachable`);
      });
    });
  }
  console.warn(`PostgreSQL at ${POSTGRES_URL} is unreachable: skipping the Postgres tier "${name}" (required in CI)`);
  describe.skip(name, body);
}

/** A throwaway schema so parallel or repeated runs never see each other's tables. */
export async function createSchema(): Promise<{ schema: string; drop(): Promise<void> }> {
  const schema = `nf_test_${randomBytes(6).toString('hex')}`;
  const client = new Client({ connectionString: POSTGRES_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return {
    schema,
    drop: async () => {
      const c = new Client({ connectionString: POSTGRES_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
