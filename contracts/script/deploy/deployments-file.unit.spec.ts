// A deployments file as the deploy script writes it (its contract list's Marketplace settings and
// its writer) parses with the one shared schema in @atelier/chain, settings.Marketplace included,
// and reads back into the deploy script as the record it wrote.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { DeploymentsError, readDeployments } from '@atelier/chain';

import type { DeployConfig } from './config';
import { CONTRACTS, recordedSettings } from './contracts';
import { readPreviousDeployments, writeDeploymentsFile } from './deployments-file';

const at = (n: number) => `0x${n.toString(16).padStart(40, '0')}` as const;
const tx = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as const;

describe('the deployments file the deploy script writes', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'atelier-deployments-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const config: DeployConfig = {
    operator: '0xa0Ee7A142d267C1f36714E4a8F75612F20a79720',
    feeRecipient: undefined,
    feeBps: 250,
    currencies: ['0x5FbDB2315678afecb367f032d93F642f64180aa3'],
  };
  const deployed = { TestStablecoin: at(0xa1), ArtworkRegistry: at(0xa2), Marketplace: at(0xa3) };
  const marketplace = CONTRACTS.find((c) => c.name === 'Marketplace')!;
  const record = {
    chainId: 31337,
    rpcUrl: 'http://127.0.0.1:18545',
    deployedAt: '2025-01-01T00:00:00.000Z',
    contracts: Object.fromEntries(
      Object.entries(deployed).map(([name, address], i) => [
        name,
        { address, startBlock: i + 1, transactionHash: tx(i + 1) },
      ]),
    ),
    settings: {
      Marketplace: recordedSettings(
        marketplace.settings!({ deployed, deployer: at(0xd0), config }),
      ),
    },
  };

  it('parses with the shared schema, settings.Marketplace included', () => {
    const file = path.join(dir, 'nested', '31337.json');
    writeDeploymentsFile(file, record);

    const parsed = readDeployments(file);
    expect(parsed.contracts['Marketplace']).toEqual({
      address: at(0xa3),
      startBlock: 3,
      transactionHash: tx(3),
    });
    expect(parsed.settings?.Marketplace).toEqual({
      currencies: [
        '0x00000000000000000000000000000000000000A1',
        '0x5FbDB2315678afecb367f032d93F642f64180aa3',
      ],
      operator: config.operator,
    });
    // What the deploy script compares on its next run to decide whether anything changed.
    expect(JSON.stringify(readPreviousDeployments(file)?.settings)).toBe(
      JSON.stringify(record.settings),
    );
  });

  it('refuses to write what the readers would refuse', () => {
    const file = path.join(dir, 'bad.json');
    expect(() =>
      writeDeploymentsFile(file, {
        ...record,
        contracts: { Marketplace: { address: at(1), startBlock: -1, transactionHash: tx(1) } },
      }),
    ).toThrow(expect.objectContaining({ code: 'DEPLOYMENTS.INVALID' }));
    expect(() => readFileSync(file)).toThrow();
  });

  it('reads a missing or malformed previous file as none', () => {
    expect(readPreviousDeployments(path.join(dir, 'missing.json'))).toBeUndefined();
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"chainId": "31337"}');
    expect(readPreviousDeployments(bad)).toBeUndefined();
    expect(() => readDeployments(bad)).toThrow(DeploymentsError);
  });
});
