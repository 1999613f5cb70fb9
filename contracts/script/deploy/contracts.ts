// What to deploy, as data: the contracts in order, each with its constructor arguments and the
// settings reconciled on every run. Adding a contract is one entry in CONTRACTS.
import type { Address } from 'viem';

import type { DeployConfig } from './config';
import { currenciesSetting, operatorSetting } from './marketplace-settings';

/** Addresses deployed so far in this run, by contract name (for constructor arguments of later ones). */
export type Deployed = Readonly<Record<string, Address>>;

/** What `args` and `settings` may use: earlier addresses, the deployer, the run's configuration. */
export interface DeployContext {
  readonly deployed: Deployed;
  readonly deployer: Address;
  readonly config: DeployConfig;
  /** This contract's settings as the deployments file recorded them, if it was kept. */
  readonly recorded?: Readonly<Record<string, unknown>>;
}

export interface FunctionCall {
  readonly functionName: string;
  readonly args: readonly unknown[];
}

/** Settings of a deployed contract that are reconciled on every run (read first, written only if different). */
export interface SettingSpec {
  /** Shown in the log and used as the key under `settings.<contract>` in the deployments file. */
  readonly name: string;
  /** Value recorded in the deployments file. */
  readonly value: unknown;
  /** Views that must return `expect` (default true) for the setting to hold, each with the write that makes it so. */
  readonly ensure: readonly {
    readonly read: FunctionCall;
    readonly expect?: boolean;
    readonly write: FunctionCall;
  }[];
}

export interface ContractSpec {
  /** Contract name; also the key in the deployments file. */
  readonly name: string;
  /** Source file under contracts/src when it differs from `<name>.sol`. */
  readonly file?: string;
  /** Constructor arguments, computed from the contracts deployed before it in this list. */
  readonly args?: (ctx: DeployContext) => readonly unknown[];
  /** Deploy only on local chains (31337, 1337). */
  readonly localOnly?: boolean;
  /** Post-deployment settings (roles, allow-lists), reconciled whether the contract is new or kept. */
  readonly settings?: (ctx: DeployContext) => readonly SettingSpec[];
}

/**
 * Deployed in this order; a later entry may use earlier addresses in `args`. Adding a contract is one
 * entry, e.g. `{ name: 'Marketplace', args: ({ deployed: d }) => [d.TestStablecoin, d.ArtworkRegistry] }`.
 */
export const CONTRACTS: readonly ContractSpec[] = [
  { name: 'TestStablecoin', localOnly: true },
  { name: 'ArtworkRegistry', args: ({ deployer }) => [deployer] },
  {
    name: 'Marketplace',
    args: ({ deployed, deployer, config }) => [
      deployer,
      deployed.ArtworkRegistry,
      config.feeRecipient ?? deployer,
      config.feeBps,
    ],
    settings: (ctx) => [currenciesSetting(ctx), operatorSetting(ctx)],
  },
];

/** What a contract's settings record in the deployments file: each setting's value by name. */
export function recordedSettings(settings: readonly SettingSpec[]): Record<string, unknown> {
  return Object.fromEntries(settings.map((s) => [s.name, s.value]));
}
