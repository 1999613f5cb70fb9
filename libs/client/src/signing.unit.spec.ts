import { privateKeyToAccount } from 'viem/accounts';
import { createOrder, hashOrder, OrderKind, marketplaceDomain } from './index';
import { cancelJson, decimal, domainOf, submissionJson } from './signing';

const domain = marketplaceDomain(31337, '0x00000000000000000000000000000000000a7e11');

describe('signing and wire JSON', () => {
  it('sends a signed order as the API takes it: decimal strings, no extra field', async () => {
    const account = privateKeyToAccount(`0x${'11'.repeat(32)}`);
    const signed = await createOrder(account, {
      kind: OrderKind.Ask,
      collection: '0x2222222222222222222222222222222222222222',
      tokenId: 42n,
      currency: '0x3333333333333333333333333333333333333333',
      price: 125_000_000n,
      nonce: 9n,
      now: 1_750_000_000n,
      lifetime: 3_600n,
      domain,
    });
    expect(signed.hash).toBe(hashOrder({ order: signed.order, domain }));
    expect(submissionJson(signed)).toEqual({
      order: {
        maker: account.address,
        kind: 0,
        collection: '0x2222222222222222222222222222222222222222',
        tokenId: '42',
        currency: '0x3333333333333333333333333333333333333333',
        price: '125000000',
        start: '1749999940',
        expiry: '1750003600',
        counter: '0',
        nonce: '9',
      },
      signature: signed.signature,
    });
    expect(submissionJson({ ...signed, chainId: 31337 })).toMatchObject({ chainId: 31337 });
  });

  it('writes integers canonically and refuses an unsafe JS number', () => {
    expect(decimal(2n ** 255n)).toBe((2n ** 255n).toString());
    expect(decimal(7)).toBe('7');
    expect(decimal('0012')).toBe('0012'); // the gateway refuses it with its field code
    expect(() => decimal(2 ** 60)).toThrow(RangeError);
    expect(() => decimal(1.5)).toThrow(RangeError);
    expect(
      cancelJson({
        cancel: { maker: '0x11', orderHashes: ['0xaa'], issuedAt: 1_750_000_000n },
        signature: '0x00',
      }),
    ).toEqual({
      cancel: { maker: '0x11', orderHashes: ['0xaa'], issuedAt: '1750000000' },
      signature: '0x00',
    });
  });

  it('takes the EIP-712 domain from /v1/deployments', () => {
    expect(
      domainOf({
        chainId: 31337,
        rpcUrl: '',
        deployedAt: '',
        contracts: {
          Marketplace: { address: domain.verifyingContract, startBlock: 3, transactionHash: '0x' },
        },
      }),
    ).toEqual(domain);
    expect(() => domainOf({ chainId: 1, rpcUrl: '', deployedAt: '', contracts: {} })).toThrow(
      /no Marketplace/,
    );
  });
});
