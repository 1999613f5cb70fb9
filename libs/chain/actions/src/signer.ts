// Who signs typed data: a viem local account (a private key or mnemonic in this process) or a
// wallet client with an account (local, or a JSON-RPC account such as a browser wallet's).
import type { Hex } from '@atelier/contracts-abi';
import type { Account, Chain, Client, LocalAccount, Transport } from 'viem';
import { signTypedData } from 'viem/actions';

import { ChainActionError } from './errors';

export type TypedDataSigner =
  LocalAccount | Client<Transport, Chain | undefined, Account | undefined>;

/** The signer's address (the maker an order or cancel must name). */
export function signerAddress(signer: TypedDataSigner): Hex {
  const account: Account | undefined =
    signer.type === 'local' ? (signer as LocalAccount) : (signer as Client).account;
  if (!account) throw new ChainActionError('CHAIN.NO_ACCOUNT', 'the wallet client has no account');
  return account.address;
}

/** A typed-data definition as contracts-abi and typed-data.ts build them (viem checks the shape). */
export interface TypedDataObject {
  readonly domain: object;
  readonly types: object;
  readonly primaryType: string;
  readonly message: object;
}

export async function signTyped(signer: TypedDataSigner, typedData: TypedDataObject): Promise<Hex> {
  if (signer.type === 'local') return (signer as LocalAccount).signTypedData(typedData as never);
  const client = signer as Client<Transport, Chain | undefined, Account | undefined>;
  if (!client.account)
    throw new ChainActionError('CHAIN.NO_ACCOUNT', 'the wallet client has no account');
  return signTypedData(client, { ...typedData, account: client.account } as never);
}
