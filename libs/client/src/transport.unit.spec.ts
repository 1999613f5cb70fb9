import { AtelierNetworkError } from './errors';
import { createTransport } from './transport';

/** A fetch answering from a script, recording what it was sent. */
function scripted(answers: readonly (Response | Error)[]) {
  const seen: { method: string; url: string; headers: Headers; body: string }[] = [];
  let i = 0;
  const fetch = async (request: Request): Promise<Response> => {
    seen.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.text(),
    });
    const next = answers[Math.min(i++, answers.length - 1)]!;
    if (next instanceof Error) throw next;
    return next.clone();
  };
  return { fetch, seen };
}

const problem = (status: number, headers: Record<string, string> = {}) =>
  new Response(
    JSON.stringify({ status, code: status === 429 ? 'RATE.LIMITED' : 'SERVICE.OVERLOADED' }),
    {
      status,
      headers: { 'content-type': 'application/problem+json', ...headers },
    },
  );

const post = (headers: Record<string, string> = {}) =>
  new Request('http://gw/v1/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: '{"orders":[1,2,3]}',
  });

describe('transport', () => {
  const waits: number[] = [];
  const sleep = async (ms: number) => void waits.push(ms);
  const policy = { retries: 3, baseDelayMs: 100, maxDelayMs: 10_000 };
  beforeEach(() => (waits.length = 0));

  it('retries 429 and 503 after their Retry-After, re-sending the same body and key', async () => {
    const { fetch, seen } = scripted([
      problem(429, { 'retry-after': '2' }),
      problem(503, { 'retry-after': '1' }),
      new Response('{"ok":true}', { status: 200 }),
    ]);
    const transport = createTransport({ fetch, retry: policy, sleep, apiKey: 'atl_k' });
    const res = await transport(post({ 'idempotency-key': 'abc' }));
    expect(res.status).toBe(200);
    expect(waits).toEqual([2_000, 1_000]);
    expect(seen.map((s) => s.body)).toEqual(Array(3).fill('{"orders":[1,2,3]}'));
    expect(seen.map((s) => s.headers.get('authorization'))).toEqual(Array(3).fill('Bearer atl_k'));
    expect(seen.map((s) => s.headers.get('idempotency-key'))).toEqual(['abc', 'abc', 'abc']);
  });

  it('backs off without Retry-After and hands back the last answer when out of retries', async () => {
    const { fetch, seen } = scripted([problem(503)]);
    const transport = createTransport({ fetch, retry: policy, sleep, random: () => 0.5 });
    const res = await transport(post());
    expect(res.status).toBe(503);
    expect(seen).toHaveLength(4);
    expect(waits).toEqual([50, 100, 200]);
  });

  it('does not wait for a Retry-After longer than the policy allows', async () => {
    const { fetch, seen } = scripted([problem(429, { 'retry-after': '3600' })]);
    const res = await createTransport({ fetch, retry: policy, sleep })(post());
    expect(res.status).toBe(429);
    expect(seen).toHaveLength(1);
  });

  it('passes other answers through untouched', async () => {
    const { fetch, seen } = scripted([problem(400), problem(500)]);
    const transport = createTransport({ fetch, retry: policy, sleep });
    expect((await transport(post())).status).toBe(400);
    expect(seen).toHaveLength(1);
  });

  it('turns no answer into an AtelierNetworkError; a keyless write is never repeated', async () => {
    const { fetch, seen } = scripted([new TypeError('fetch failed')]);
    const transport = createTransport({ fetch, retry: policy, sleep });
    const error = await transport(post()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AtelierNetworkError);
    expect(error).toMatchObject({ code: 'CLIENT.NETWORK', details: { attempts: 1 } });
    expect((error as Error).cause).toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(1);
  });

  it('repeats a GET (or a keyed write) that got no answer', async () => {
    const { fetch, seen } = scripted([
      new TypeError('socket hang up'),
      new Response('{}', { status: 200 }),
    ]);
    const transport = createTransport({ fetch, retry: policy, sleep });
    expect((await transport(new Request('http://gw/v1/orders'))).status).toBe(200);
    expect(seen).toHaveLength(2);
  });

  it('keeps an Authorization header the caller set', async () => {
    const { fetch, seen } = scripted([new Response('{}')]);
    await createTransport({ fetch, retry: policy, sleep, apiKey: 'atl_default' })(
      new Request('http://gw/x', { headers: { authorization: 'Bearer atl_other' } }),
    );
    expect(seen[0]!.headers.get('authorization')).toBe('Bearer atl_other');
  });
});

describe('transport and READ_MODEL.BEHIND', () => {
  const sleep = async () => undefined;
  const policy = { retries: 2, baseDelayMs: 1, maxDelayMs: 10 };
  const behind = () =>
    new Response(JSON.stringify({ status: 409, code: 'READ_MODEL.BEHIND' }), { status: 409 });

  it('retries a read the read model was behind for, and not another 409', async () => {
    const { fetch, seen } = scripted([behind(), new Response('{"order":{}}', { status: 200 })]);
    const res = await createTransport({ fetch, retry: policy, sleep })(new Request('http://gw/x'));
    expect(res.status).toBe(200);
    expect(seen).toHaveLength(2);

    const other = scripted([
      new Response(JSON.stringify({ status: 409, code: 'ORDER.DUPLICATE' }), { status: 409 }),
    ]);
    const refused = await createTransport({ fetch: other.fetch, retry: policy, sleep })(post());
    expect(refused.status).toBe(409);
    expect(await refused.json()).toMatchObject({ code: 'ORDER.DUPLICATE' }); // body still readable
    expect(other.seen).toHaveLength(1);
  });
});
