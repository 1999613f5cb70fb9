// What the access and order-stream int specs share (and what other gateway specs use to get a
// key): an access schema of their own, API keys created through the same store the operator
// command uses, authenticated requests, and the problem+json assertion.
import { randomBytes } from 'node:crypto';
import { Pool } from 'pg';
import { accessTables } from '../src/access/access.schema';
import { ApiKeyStore, type NewApiKey } from '../src/access/api-keys';

export const accessSchema = (): string => `acc_${randomBytes(5).toString('hex')}`;

/** The key store of `schema` (its tables exist once a gateway using it has started). */
export function keyStore(schema: string): { keys: ApiKeyStore; pool: Pool } {
  const pool = new Pool({ connectionString: process.env['GATEWAY_DATABASE_URL'], max: 2 });
  return { keys: new ApiKeyStore(pool, accessTables(schema)), pool };
}

export const newKey = (over: Partial<NewApiKey> = {}): NewApiKey => ({
  label: 'int',
  makers: null,
  rps: 1000,
  burst: 1000,
  dailyQuota: 1_000_000,
  ...over,
});

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export const send = (
  base: string,
  path: string,
  init: { method?: string; body?: unknown; headers?: Record<string, string> } = {},
) =>
  fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...init.headers,
    },
    ...(init.body === undefined
      ? {}
      : { body: typeof init.body === 'string' ? init.body : JSON.stringify(init.body) }),
  });

export async function problem(res: Response, status: number, code: string) {
  const text = await res.text();
  expect({ status: res.status, type: res.headers.get('content-type'), text }).toMatchObject({
    status,
    type: 'application/problem+json; charset=utf-8',
  });
  const body = JSON.parse(text) as Record<string, unknown>;
  expect(body).toMatchObject({ status, code, type: `urn:atelier:error:${code}` });
  return body;
}
