// The README's stack commands, end to end on the isolated test stack: `npm run up` brings
// everything up (compiled apps, the seeded demo market and the demo bot trading through the
// public API) and is safe to repeat, the bot's trades settle, `down` then `up` (a new anvil, a
// new chain under the same chain id, the databases kept) seeds it again and the bot's trades
// settle there too, `npm run status` reports it, and `npm run down` leaves no process of ours
// behind.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, stackEnv } from '@atelier/testing';

const env = stackEnv();
const npm = (script: string) => {
  const started = Date.now();
  const run = spawnSync('npm', ['run', '--silent', script], {
    cwd: repoRoot,
    env: { ...process.env, ATELIER_STACK: 'test' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return {
    status: run.status,
    output: `${run.stdout}${run.stderr}`,
    seconds: (Date.now() - started) / 1000,
  };
};

/** pids named by every pid file the stack keeps under its data dir */
const pidFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && e.name.endsWith('.pid'))
        .map((e) => join(e.parentPath, e.name))
    : [];
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
const portOpen = async (port: string) => {
  try {
    await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
};

describe('npm run up / status / down', () => {
  const pidsSeen = new Set<number>();

  it('up starts everything healthy from a stopped stack, twice in a row', () => {
    const down = npm('down'); // the int tier left parts running: start from nothing
    expect(down.status).toBe(0);
    for (const attempt of [1, 2]) {
      const up = npm('up');
      if (up.status !== 0) throw new Error(`npm run up #${attempt} failed:\n${up.output}`);
      expect(up.output).toContain('Atelier is up');
      if (attempt === 1) {
        expect(up.output).toMatch(/operator settled work 1 .*settleBatch/);
        expect(up.output).toMatch(/bid work 2 \(crosses\) at 320 tUSD: reserved \(TradeMatched /);
        expect(up.output).toMatch(/live book: 8 orders accepted now, 0 already in the book/);
        expect(up.output).toMatch(/contributor 0x90F7\w+ withdrew [\d.]+ tUSD of attribution/);
        expect(up.output).toMatch(/\[build\] .*gateway.*files to dist/);
      }
      if (attempt === 2) {
        expect(up.output).toMatch(/already running/);
        expect(up.output).toMatch(/demo\] already seeded \(3 works/);
        // The same signed orders again: none placed twice.
        expect(up.output).toMatch(/live book: 0 orders accepted now, 8 already in the book/);
      }
      for (const file of pidFiles(env.ATELIER_DATA))
        pidsSeen.add(Number(readFileSync(file, 'utf8').trim()));
    }
    // kafka, anvil, indexer, relay, gateway, settlement, bot
    expect(pidsSeen.size).toBeGreaterThanOrEqual(7);
  }, 900_000);

  it('the gateway lists the live book the demo left, by maker', async () => {
    // anvil accounts 1 and 2 ask, 5 and 6 bid (contracts/script/seed-book.ts). The demo bot
    // trades on this book from the start, so an order may have moved on from fillable.
    const live = expect.stringMatching(/^(fillable|reserved|filled)$/);
    const makers = {
      creator: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8',
      collector: '0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC',
      ada: '0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc',
      ben: '0x976EA74026E726554dB657fA54763abd0C3a0aa9',
    };
    const book: Record<string, { kind: number; tokenId: string; price: string; status: string }[]> =
      {};
    for (const [name, maker] of Object.entries(makers)) {
      const res = await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}/v1/orders?maker=${maker}`);
      expect(res.status).toBe(200);
      const { items } = (await res.json()) as { items: (typeof book)[string] };
      book[name] = items
        .map(({ kind, tokenId, price, status }) => ({ kind, tokenId, price, status }))
        .sort((a, b) => a.kind - b.kind || a.tokenId.localeCompare(b.tokenId));
    }
    const tusd = (n: number) => String(n * 1_000_000);
    expect(book).toEqual({
      creator: [{ kind: 0, tokenId: '3', price: tusd(400), status: live }],
      collector: [
        { kind: 0, tokenId: '1', price: tusd(600), status: live },
        {
          kind: 0,
          tokenId: '2',
          price: tusd(320),
          status: live,
        },
      ],
      ada: [
        { kind: 1, tokenId: '1', price: tusd(450), status: live },
        { kind: 1, tokenId: '3', price: tusd(300), status: live },
        { kind: 2, tokenId: '0', price: tusd(180), status: live },
      ],
      ben: [
        {
          kind: 1,
          tokenId: '2',
          price: tusd(320),
          status: live,
        },
        { kind: 2, tokenId: '0', price: tusd(200), status: live },
      ],
    });
  }, 60_000);

  /** The demo bot's trades settled on the chain the stack's anvil serves now. */
  const traders = [
    '0x14dC79964da2C08b23698B3D3cc7Ca32193d9955',
    '0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f',
  ];
  const get = async <T>(path: string): Promise<T> => {
    const r = await fetch(`http://127.0.0.1:${env.GATEWAY_PORT}${path}`);
    expect({ path, status: r.status }).toEqual({ path, status: 200 });
    return (await r.json()) as T;
  };
  /** A fetch retried a few times: a loaded machine drops a connection now and then (EPIPE). */
  const retried = async <T>(what: () => Promise<T>): Promise<T> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await what();
      } catch (e) {
        if (attempt >= 5) throw e;
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  };
  const rpc = <T>(method: string, params: unknown[]): Promise<T> =>
    retried(async () => {
      const r = await fetch(env.RPC_URL, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      });
      return ((await r.json()) as { result: T }).result;
    });
  const genesis = async () =>
    (await rpc<{ hash: string }>('eth_getBlockByNumber', ['0x0', false])).hash;
  /**
   * Polls the gateway's settled trades of the bot's accounts until one was settled by a
   * transaction of the settlement operator on the chain anvil serves now (its receipt is there):
   * settled trades of an earlier chain stay in the read model (final facts are not retracted).
   */
  const settledHere = async (timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    let seen: { transactionHash: string; status: string }[] = [];
    const here: { transactionHash: string; from: string }[] = [];
    while (Date.now() < deadline && here.length === 0) {
      const pages = await Promise.all(
        traders.map((t) =>
          get<{ items: typeof seen }>(`/v1/trades?account=${t}&status=all&limit=100`),
        ),
      );
      seen = pages.flatMap((p) => p.items);
      for (const t of seen.filter((x) => x.status === 'settled')) {
        const receipt = await rpc<{ status: string; from: string } | null>(
          'eth_getTransactionReceipt',
          [t.transactionHash],
        );
        if (receipt?.status === '0x1')
          here.push({ transactionHash: t.transactionHash, from: receipt.from });
      }
      if (here.length === 0) await new Promise((r) => setTimeout(r, 3_000));
    }
    const statuses = seen.reduce<Record<string, number>>(
      (n, t) => ({ ...n, [t.status]: (n[t.status] ?? 0) + 1 }),
      {},
    );
    return { here, statuses };
  };
  const settlementHealth = async () =>
    (
      (await retried(() =>
        fetch(`http://127.0.0.1:${env.SETTLEMENT_PORT}/health`).then((r) => r.json()),
      )) as {
        details?: { settlement?: { genesis?: string; operator?: string } };
      }
    ).details?.settlement ?? {};

  it('the demo bot trades through the public API: its trades settle on chain, a contributor withdrew', async () => {
    // anvil accounts 7 and 8 (apps/demo-bot), 3 the contributor of works 1 and 2.
    const { here, statuses } = await settledHere(180_000);
    // matched in the gateway, settled by settlement's operator on this chain
    expect({ settledHere: here.length > 0, statuses }).toEqual({ settledHere: true, statuses });
    const operator = (await settlementHealth()).operator?.toLowerCase();
    expect(here.map((t) => t.from.toLowerCase())).toContain(operator);
    const placed = await Promise.all(
      traders.map((t) => get<{ items: unknown[] }>(`/v1/orders?maker=${t}`)),
    );
    expect(placed.flatMap((p) => p.items).length).toBeGreaterThan(0);
    const health = (await fetch(`http://127.0.0.1:${env['BOT_PORT']}/health`).then((r) =>
      r.json(),
    )) as { rounds: number; ordersAccepted: number; matched: number };
    expect(health.rounds).toBeGreaterThan(0);
    expect(health.ordersAccepted).toBeGreaterThan(0);
    expect(health.matched).toBeGreaterThan(0);
    const contributor = await get<{ currencies: { withdrawn: string }[] }>(
      '/v1/ledgers/0x90F79bf6EB2c4f870365E785982E1f101E93b906',
    );
    expect(BigInt(contributor.currencies[0]!.withdrawn)).toBeGreaterThan(0n);
  }, 240_000);

  it('down then up: a new anvil under the kept databases is seeded again and the bot settles there', async () => {
    // `down` stops anvil, whose chain is not kept: `up` starts a new chain under the same chain
    // id and the same contract addresses, while the gateway's, the indexer's and settlement's
    // databases keep what the old chain did (trades matched there, batches sent there).
    const before = await genesis();
    const down = npm('down');
    expect(down.status).toBe(0);
    const up = npm('up');
    if (up.status !== 0) throw new Error(`npm run up on a new chain failed:\n${up.output}`);
    expect(up.output).toContain('Atelier is up');
    const after = await genesis();
    expect(after).not.toBe(before);
    // The demo is seeded again on the new chain, its live book placed through the gateway (whose
    // market still holds the old chain's orders at the same nonces).
    expect(up.output).toMatch(/operator settled work 1 .*settleBatch/);
    expect(up.output).toMatch(/live book: \d+ orders accepted now/);
    for (const file of pidFiles(env.ATELIER_DATA))
      pidsSeen.add(Number(readFileSync(file, 'utf8').trim()));
    // Settlement follows the new chain (its batches in flight on the old one batched again) ...
    const deadline = Date.now() + 60_000;
    while ((await settlementHealth()).genesis !== after && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 1_000));
    expect((await settlementHealth()).genesis).toBe(after);
    // ... and the bot's new trades settle there: no nonce gap left by the old chain's batches.
    const { here, statuses } = await settledHere(240_000);
    expect({ settledHere: here.length > 0, statuses }).toEqual({ settledHere: true, statuses });
    const operator = (await settlementHealth()).operator?.toLowerCase();
    expect(here.map((t) => t.from.toLowerCase())).toContain(operator);
  }, 1_200_000);

  it('status reports every app ready', () => {
    const status = npm('status');
    expect(status.status).toBe(0);
    for (const app of ['gateway', 'settlement', 'indexer', 'relay', 'bot'])
      expect(status.output).toMatch(new RegExp(`${app}\\s+running.*ready`));
  }, 120_000);

  it('down leaves no process and no listening port behind', async () => {
    const down = npm('down');
    expect(down.status).toBe(0);
    expect(pidFiles(env.ATELIER_DATA)).toEqual([]);
    for (const pid of pidsSeen) expect({ pid, alive: alive(pid) }).toEqual({ pid, alive: false });
    for (const port of [
      env.GATEWAY_PORT,
      env.SETTLEMENT_PORT,
      env.INDEXER_PORT,
      env['ANVIL_PORT']!,
      env['KAFKA_PORT']!,
      env['BOT_PORT']!,
    ]) {
      expect({ port, open: await portOpen(port) }).toEqual({ port, open: false });
    }
    // Any process whose command line names the stack's data folder, but this jest itself.
    const ours = spawnSync('pgrep', ['-af', env.ATELIER_DATA], { encoding: 'utf8' })
      .stdout.split('\n')
      .filter((line) => line && ![process.pid, process.ppid].includes(Number(line.split(' ')[0])));
    expect(ours).toEqual([]);
  }, 180_000);
});
