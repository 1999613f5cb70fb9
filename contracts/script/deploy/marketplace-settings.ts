// The Marketplace's reconciled settings: the currency allow-list and the operator role. Each is a
// read that must hold and the owner's write that makes it hold, so a changed MARKETPLACE_OPERATOR
// or MARKETPLACE_CURRENCIES applies to a kept deployment without redeploying.
import { type Address, getAddress, isAddress } from 'viem';

import type { DeployConfig } from './config';
import type { DeployContext, Deployed, SettingSpec } from './contracts';

/** The Marketplace's currencies: the local TestStablecoin (when deployed) and MARKETPLACE_CURRENCIES. */
export function currenciesOf(deployed: Deployed, config: DeployConfig): Address[] {
  const all = [...(deployed.TestStablecoin ? [deployed.TestStablecoin] : []), ...config.currencies];
  return [...new Set(all.map((a) => getAddress(a)))];
}

/** Every listed currency allow-listed (one dropped from the list is left as it is). */
export function currenciesSetting({ deployed, config }: DeployContext): SettingSpec {
  const currencies = currenciesOf(deployed, config);
  return {
    name: 'currencies',
    value: currencies,
    ensure: currencies.map((currency) => ({
      read: { functionName: 'isCurrencyAllowed', args: [currency] },
      write: { functionName: 'setCurrency', args: [currency, true] },
    })),
  };
}

/** The configured operator holds the role; the one this file recorded before, if another, loses it. */
export function operatorSetting({ config, recorded }: DeployContext): SettingSpec {
  return {
    name: 'operator',
    value: config.operator,
    ensure: [
      {
        read: { functionName: 'isOperator', args: [config.operator] },
        write: { functionName: 'setOperator', args: [config.operator, true] },
      },
      ...previousOperator(recorded, config.operator).map((old) => ({
        read: { functionName: 'isOperator', args: [old] },
        expect: false,
        write: { functionName: 'setOperator', args: [old, false] },
      })),
    ],
  };
}

function previousOperator(recorded: DeployContext['recorded'], current: Address): Address[] {
  const old = recorded?.operator;
  return typeof old === 'string' && isAddress(old) && getAddress(old) !== current
    ? [getAddress(old)]
    : [];
}
