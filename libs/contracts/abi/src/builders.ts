// Builders of the values every driver of the contracts repeats (the demo seed, the gas bench, the
// int specs, the indexer's chain fixtures): ArtworkRegistry.mint's arguments for a generated work
// with its provenance, a Marketplace order with the usual defaults, and its signature. Plain data
// in viem's shapes; this lib is framework-free, so hashing a provenance text (keccak256) is passed
// in by the caller and signing takes anything with viem's `signTypedData` (a local account).
import {
  type Address,
  type Hex,
  type MarketplaceDomain,
  type Order,
  type SignedOrder,
  orderTypedData,
} from './eip712';

/*//////////////////////////////////////////////////////////////
                        ARTWORK REGISTRY
//////////////////////////////////////////////////////////////*/

const ZERO_ADDRESS: Address = '0x0000000000000000000000000000000000000000';

/** The model every generated fixture work names. */
export const FIXTURE_MODEL_ID = 'stabilityai/sdxl-base-1.0';

/** `ArtworkRegistry.Contribution`: a training-data contributor and its share of each sale. */
export interface Contribution {
  readonly account: Address;
  readonly bps: number;
}

/** `ArtworkRegistry.Provenance`, as `mint` takes it. */
export interface Provenance {
  readonly modelId: string;
  readonly modelHash: Hex;
  readonly promptHash: Hex;
  readonly seed: bigint;
  readonly manifestHash: Hex;
  readonly manifestURI: string;
  readonly parents: readonly bigint[];
  readonly contributors: readonly Contribution[];
}

/** keccak256 of a text's UTF-8 bytes (viem: `(text) => keccak256(toHex(text))`). */
export type HashText = (text: string) => Hex;

export interface GeneratedWork {
  /** The prompt, hashed into `promptHash` (the prompt itself stays off-chain). */
  readonly prompt: string;
  /** The C2PA manifest's contents, hashed into `manifestHash`. */
  readonly manifest: string;
  readonly manifestURI: string;
  readonly seed: bigint;
  /** What identifies the model weights, hashed into `modelHash` (default `'weights'`). */
  readonly weights?: string;
  readonly parents?: readonly bigint[];
  readonly contributors?: readonly Contribution[];
}

/** The provenance of a work generated with {@link FIXTURE_MODEL_ID}. */
export function generatedProvenance(hashText: HashText, work: GeneratedWork): Provenance {
  return {
    modelId: FIXTURE_MODEL_ID,
    modelHash: hashText(work.weights ?? 'weights'),
    promptHash: hashText(work.prompt),
    seed: work.seed,
    manifestHash: hashText(work.manifest),
    manifestURI: work.manifestURI,
    parents: work.parents ?? [],
    contributors: work.contributors ?? [],
  };
}

export interface MintParameters {
  /** Receives the token. */
  readonly to: Address;
  readonly provenance: Provenance;
  /** Royalty in basis points (at most the registry's MAX_ROYALTY_BPS). */
  readonly royaltyBps: number;
  /** Who is paid the royalty; default the zero address, which the registry reads as the creator. */
  readonly royaltyReceiver?: Address;
}

/** `ArtworkRegistry.mint`'s `args`: `[to, provenance, royaltyReceiver, royaltyBps]`. */
export function mintArgs(p: MintParameters) {
  return [p.to, p.provenance, p.royaltyReceiver ?? ZERO_ADDRESS, p.royaltyBps] as const;
}

/*//////////////////////////////////////////////////////////////
                          MARKETPLACE
//////////////////////////////////////////////////////////////*/

/** An order's own fields; `start`, `expiry` and `counter` default from `now` and `lifetime`. */
export type OrderParameters = Pick<
  Order,
  'maker' | 'kind' | 'collection' | 'tokenId' | 'currency' | 'price' | 'nonce'
> &
  Partial<Pick<Order, 'start' | 'expiry' | 'counter'>> & {
    /** Block time the order is made at (seconds): it starts a minute before, so clock skew never voids it. */
    readonly now: bigint;
    /** Seconds from `now` until it expires. */
    readonly lifetime: bigint;
  };

/** An order valid from a minute before `now` for `lifetime` seconds, under counter 0 unless given. */
export function buildOrder({ now, lifetime, ...fields }: OrderParameters): Order {
  return {
    start: now - 60n,
    expiry: now + lifetime,
    counter: 0n,
    ...fields,
  };
}

/** What signs EIP-712 typed data: a viem local account (`privateKeyToAccount`, `mnemonicToAccount`). */
export interface TypedDataSigner {
  signTypedData(typedData: ReturnType<typeof orderTypedData>): Promise<Hex>;
}

/** `order` with its maker's signature (eth_signTypedData_v4 over the shared definitions). */
export async function signOrder(
  signer: TypedDataSigner,
  order: Order,
  domain: MarketplaceDomain,
): Promise<SignedOrder> {
  return { order, signature: await signer.signTypedData(orderTypedData(order, domain)) };
}
