// Every fixed port of the three stacks lies outside the kernel's ephemeral range, and a start
// refuses, naming the variable, a port overridden into it, before it starts any part (the
// guard lives in infra/lib/common.sh; the ports in infra/bin/env.sh).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const stackScript = resolve(root, 'infra/bin/stack.sh');
const [low, high] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
  .trim()
  .split(/\s+/)
  .map(Number) as [number, number];

// the defaults, whatever the caller's shell overrides
const inherited = Object.fromEntries(
  Object.entries(process.env).filter(
    ([key]) => !/_PORT$|^KAFKA_BROKERS$|^ATELIER_(STACK|KAFKA_EXTERNAL)$/.test(key),
  ),
);
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync('bash', [stackScript, ...args], {
    cwd: root,
    env: { ...inherited, ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });

const ports = (stack: string): Record<string, number> => {
  const out = run(['env'], { ATELIER_STACK: stack });
  expect(out.status).toBe(0);
  const found: Record<string, number> = {};
  for (const line of out.stdout.trim().split('\n')) {
    const [key = '', value = ''] = line.split('=');
    if (key.endsWith('_PORT')) found[key] = Number(value);
  }
  return found;
};

describe('stack ports', () => {
  it.each(['dev', 'test', 'bench'])('%s: every port lies below the ephemeral range', (stack) => {
    const found = ports(stack);
    expect(Object.keys(found).sort()).toEqual(
      [
        'ANVIL_PORT',
        'BOT_PORT',
        'GATEWAY_PORT',
        'INDEXER_PORT',
        'KAFKA_CONTROLLER_PORT',
        'KAFKA_PORT',
        'RELAY_PORT',
        'SETTLEMENT_PORT',
      ].sort(),
    );
    for (const [name, port] of Object.entries(found))
      expect({ name, inside: port >= low && port <= high }).toEqual({ name, inside: false });
  });

  it('no two stacks share a port', () => {
    const all = ['dev', 'test', 'bench'].flatMap((stack) => Object.values(ports(stack)));
    expect(new Set(all).size).toBe(all.length);
  });

  it('a start refuses a port overridden into the range, naming the variable', () => {
    // bench stack and an unknown part: had the guard not fired, the part name would fail instead
    const inside = String(low + 1);
    const out = run(['start', 'no-such-part'], { ATELIER_STACK: 'bench', INDEXER_PORT: inside });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain(
      `INDEXER_PORT=${inside} is inside the kernel's ephemeral port range`,
    );
    expect(out.stderr).toContain(`RELAY_PORT=${low + 2}`); // derived from INDEXER_PORT
    expect(out.stderr).toContain(`choose a port below ${low}`);
    expect(out.stderr).not.toMatch(/unknown part/);
  });

  it('a start refuses a value that is not a port', () => {
    const out = run(['start', 'no-such-part'], { ATELIER_STACK: 'bench', GATEWAY_PORT: '70000' });
    expect(out.status).toBe(1);
    expect(out.stderr).toContain("GATEWAY_PORT='70000' is not a port number");
  });
});
