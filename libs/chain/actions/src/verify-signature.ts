// Whether `signature` is `signer`'s over a 32-byte EIP-712 digest, decided exactly as the
// Marketplace decides it (`_isValidSignature`): ECDSA first (65 bytes, v 27 or 28, low s, as
// OpenZeppelin's ECDSA accepts), and only when that fails EIP-1271 `isValidSignature(hash,
// signature)` on the signer, which must answer the magic value 0x1626ba7e in a full word. An
// account without code answers nothing to the call, so no separate code lookup is needed. A
// malformed or wrong signature is `false`, never an error; only a node that does not answer is.
import type { Address, Hex } from '@atelier/contracts-abi';
import {
  BaseError,
  type Client,
  ExecutionRevertedError,
  RawContractError,
  encodeFunctionData,
  recoverAddress,
} from 'viem';
import { call } from 'viem/actions';

import { ChainActionError } from './errors';

export interface VerifySignatureParameters {
  /** Who must have signed: an EOA, or a contract wallet (EIP-1271). */
  readonly signer: string;
  /** The EIP-712 digest. */
  readonly hash: Hex;
  readonly signature: string;
  /** Ask a contract wallet at this block (default: latest). */
  readonly blockNumber?: bigint;
}

export type VerifySignatureReturnType = boolean;

const erc1271Abi = [
  {
    type: 'function',
    name: 'isValidSignature',
    stateMutability: 'view',
    inputs: [
      { name: 'hash', type: 'bytes32' },
      { name: 'signature', type: 'bytes' },
    ],
    outputs: [{ name: 'magicValue', type: 'bytes4' }],
  },
] as const;

/** The EIP-1271 magic value, left-aligned in the word the wallet returns. */
const MAGIC_WORD = `0x1626ba7e${'0'.repeat(56)}`;
/** secp256k1's n / 2: OpenZeppelin's ECDSA refuses a larger s (malleable signatures). */
const HALF_N = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n;
const HEX_BYTES = /^0x([0-9a-fA-F]{2})*$/;
const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

/** ECDSA as OpenZeppelin's `tryRecover` does it: only canonical 65-byte signatures. */
async function ecdsaSigner(hash: Hex, signature: Hex): Promise<string | null> {
  if (signature.length !== 132) return null;
  const v = parseInt(signature.slice(130), 16);
  if (v !== 27 && v !== 28) return null;
  if (BigInt(`0x${signature.slice(66, 130)}`) > HALF_N) return null;
  try {
    return (await recoverAddress({ hash, signature })).toLowerCase();
  } catch {
    return null; // r or s not a point on the curve
  }
}

const isRevert = (e: unknown) =>
  e instanceof BaseError &&
  e.walk((x) => x instanceof RawContractError || x instanceof ExecutionRevertedError) !== null;

export async function verifySignature(
  client: Client,
  { signer, hash, signature, blockNumber }: VerifySignatureParameters,
): Promise<VerifySignatureReturnType> {
  if (!ADDRESS.test(signer) || !/^0x[0-9a-fA-F]{64}$/.test(hash) || !HEX_BYTES.test(signature))
    return false;
  const sig = signature as Hex;
  if ((await ecdsaSigner(hash, sig)) === signer.toLowerCase()) return true;
  try {
    const { data } = await call(client, {
      to: signer as Address,
      data: encodeFunctionData({
        abi: erc1271Abi,
        functionName: 'isValidSignature',
        args: [hash, sig],
      }),
      ...(blockNumber === undefined ? {} : { blockNumber }),
    });
    return (
      data !== undefined && data.length >= 66 && data.slice(0, 66).toLowerCase() === MAGIC_WORD
    );
  } catch (e) {
    if (isRevert(e)) return false;
    throw new ChainActionError(
      'CHAIN.UNAVAILABLE',
      'could not ask the signer contract (EIP-1271)',
      { signer },
      { cause: e },
    );
  }
}
