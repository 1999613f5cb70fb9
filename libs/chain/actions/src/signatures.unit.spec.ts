// Hashing pinned to the vector of contracts/test/Marketplace.t.sol (and eip712.unit.spec.ts),
// and the verifiers' ECDSA path with a local account. The node behind the client is a stub that
// answers eth_call as an account without code does (empty), counting the calls: a good ECDSA
// signature must not reach the node at all.
import { type Order, OrderKind, marketplaceDomain } from '@atelier/contracts-abi';
import { createClient, custom, getAddress, keccak256, toHex } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

import {
  CANCEL_TYPE,
  CANCEL_TYPES,
  hashCancel,
  hashOrder,
  signCancel,
  signOrder,
  verifyCancelSignature,
  verifyOrderSignature,
} from './index';

const domain = marketplaceDomain(31337, '0x00000000000000000000000000000000000a7e11');
const vector: Order = {
  maker: '0x1111111111111111111111111111111111111111',
  kind: OrderKind.TokenBid,
  collection: '0x2222222222222222222222222222222222222222',
  tokenId: 42n,
  currency: '0x3333333333333333333333333333333333333333',
  price: 125_000_000n,
  start: 1_750_000_000n,
  expiry: 1_760_000_000n,
  counter: 3n,
  nonce: 9n,
};
const maker = privateKeyToAccount(keccak256(toHex('chain-actions unit maker')));
const other = privateKeyToAccount(keccak256(toHex('chain-actions unit other')));

function stubNode() {
  const calls: string[] = [];
  const client = createClient({
    transport: custom({
      request: async ({ method }: { method: string }) => {
        calls.push(method);
        if (method === 'eth_call') return '0x';
        throw new Error(`unexpected ${method}`);
      },
    }),
  });
  return { client, calls };
}

describe('hashOrder', () => {
  it('hashes the vector pinned in the forge tests', () => {
    expect(hashOrder({ order: vector, domain })).toBe(
      '0xf2dc8c91efe4ae2b35a3055f21b404cc17123a27fb3b7c3b37d4333ba9d05377',
    );
  });

  it('does not depend on the case of the addresses', () => {
    const mixed = {
      ...vector,
      collection: getAddress('0xabcdef0123456789abcdef0123456789abcdef01'),
    };
    const lower = { ...mixed, collection: mixed.collection.toLowerCase() };
    expect(hashOrder({ order: mixed, domain })).toBe(hashOrder({ order: lower, domain }));
  });

  it('changes with the chain and the contract', () => {
    const h = hashOrder({ order: vector, domain });
    expect(
      hashOrder({ order: vector, domain: marketplaceDomain(1, domain.verifyingContract) }),
    ).not.toBe(h);
    expect(
      hashOrder({
        order: vector,
        domain: marketplaceDomain(31337, '0x00000000000000000000000000000000000a7e12'),
      }),
    ).not.toBe(h);
  });
});

describe('CancelOrders', () => {
  const cancel = {
    maker: vector.maker,
    orderHashes: ['0xf2dc8c91efe4ae2b35a3055f21b404cc17123a27fb3b7c3b37d4333ba9d05377' as const],
    issuedAt: 1_750_000_000n,
  };

  it('CANCEL_TYPE is encodeType(CancelOrders)', () => {
    const fields = CANCEL_TYPES.CancelOrders.map((f) => `${f.type} ${f.name}`).join(',');
    expect(CANCEL_TYPE).toBe(`CancelOrders(${fields})`);
  });

  it('hashes a pinned vector (docs/market-makers.md quotes it)', () => {
    expect(hashCancel({ cancel, domain })).toMatchInlineSnapshot(
      `"0x131f48a4f78f6d61e6ac6d68609878f7de6013d7142971491494998f844da47b"`,
    );
  });

  it('is never an order hash and changes with every field', () => {
    const h = hashCancel({ cancel, domain });
    expect(hashCancel({ cancel: { ...cancel, issuedAt: 1n }, domain })).not.toBe(h);
    expect(hashCancel({ cancel: { ...cancel, orderHashes: [] }, domain })).not.toBe(h);
  });
});

describe('signing and verifying with a local account (ECDSA)', () => {
  const order: Order = { ...vector, maker: maker.address };

  it('verifies its own signature without asking the node', async () => {
    const { client, calls } = stubNode();
    const signed = await signOrder(maker, { order, domain });
    expect(signed.hash).toBe(hashOrder({ order, domain }));
    await expect(
      verifyOrderSignature(client, { order, signature: signed.signature, domain }),
    ).resolves.toBe(true);
    // Lowercase (kernel-style) addresses verify the same.
    const lower = { ...order, maker: order.maker.toLowerCase() };
    await expect(
      verifyOrderSignature(client, { order: lower, signature: signed.signature, domain }),
    ).resolves.toBe(true);
    expect(calls).toEqual([]);
  });

  it('refuses another order, another signer and another domain', async () => {
    const { client } = stubNode();
    const { signature } = await signOrder(maker, { order, domain });
    const verify = (o: Order, d = domain, s: string = signature) =>
      verifyOrderSignature(client, { order: o, signature: s, domain: d });
    await expect(verify({ ...order, price: order.price + 1n })).resolves.toBe(false);
    await expect(verify(order, marketplaceDomain(1, domain.verifyingContract))).resolves.toBe(
      false,
    );
    const theirs = await signOrder(other, { order, domain });
    await expect(verify(order, domain, theirs.signature)).resolves.toBe(false);
  });

  it('answers false to malformed signatures, never throws', async () => {
    const { client } = stubNode();
    const { signature } = await signOrder(maker, { order, domain });
    const n = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
    const s = BigInt(`0x${signature.slice(66, 130)}`);
    const v = parseInt(signature.slice(130), 16);
    const highS = `${signature.slice(0, 66)}${(n - s).toString(16).padStart(64, '0')}${(v === 27 ? 28 : 27).toString(16)}`;
    for (const bad of [
      '0x',
      '0x12',
      'nothex',
      `${signature}00`,
      signature.slice(0, 130) + '00', // v = 0
      signature.slice(0, 130) + '1d', // v = 29
      highS, // the malleable twin: valid for ecrecover, refused by OpenZeppelin
      `0x${'00'.repeat(65)}`,
      `0x${'ff'.repeat(65)}`,
    ])
      await expect(verifyOrderSignature(client, { order, signature: bad, domain })).resolves.toBe(
        false,
      );
  });

  it('signs and verifies a cancel', async () => {
    const { client } = stubNode();
    const cancel = {
      maker: maker.address,
      orderHashes: [hashOrder({ order, domain })],
      issuedAt: 5n,
    };
    const signed = await signCancel(maker, { cancel, domain });
    expect(signed.hash).toBe(hashCancel({ cancel, domain }));
    await expect(
      verifyCancelSignature(client, { cancel, signature: signed.signature, domain }),
    ).resolves.toBe(true);
    await expect(
      verifyCancelSignature(client, {
        cancel: { ...cancel, issuedAt: 6n },
        signature: signed.signature,
        domain,
      }),
    ).resolves.toBe(false);
  });
});
