// The order-side query schemas on their own: what they accept and how they normalise it, and
// what they refuse (the HTTP int spec checks the same refusals end to end as problem+json).
import {
  activityQuery,
  bookQuery,
  chainReadQuery,
  ledgerReadQuery,
  tradesQuery,
} from './read-market.query';

const A = '0x959922BE3CAEE4B8CD9A407CC3AC1C251C2007B1';
const a = A.toLowerCase();

describe('order-side read queries', () => {
  it('normalise addresses and numbers, dedupe kinds', () => {
    expect(bookQuery.parse({ currency: A, levels: '5', minMarketPosition: '42' })).toEqual({
      currency: a,
      levels: 5,
      minMarketPosition: 42n,
    });
    expect(activityQuery.parse({ collection: A, tokenId: '7', kinds: 'mint,sale,mint' })).toEqual({
      collection: a,
      tokenId: '7',
      kinds: ['mint', 'sale'],
    });
    expect(tradesQuery.parse({ status: 'all', account: A, minPosition: '0' })).toEqual({
      status: 'all',
      account: a,
      minPosition: 0n,
    });
    expect(ledgerReadQuery.parse({ currency: A, asOfBlock: '9' })).toMatchObject({
      currency: a,
      asOfBlock: 9n,
    });
  });

  it.each([
    ['book levels 0', bookQuery, { levels: '0' }],
    ['book levels above 200', bookQuery, { levels: '201' }],
    ['book levels repeated', bookQuery, { levels: ['1', '2'] }],
    ['book unknown parameter', bookQuery, { side: 'asks' }],
    ['book negative position', bookQuery, { minMarketPosition: '-1' }],
    ['trades unknown status', tradesQuery, { status: 'pending' }],
    ['trades block range with matched', tradesQuery, { status: 'matched', fromBlock: '1' }],
    ['trades block range with all', tradesQuery, { status: 'all', toBlock: '1' }],
    ['trades range backwards', tradesQuery, { fromBlock: '9', toBlock: '2' }],
    ['trades position with a dot', tradesQuery, { minPosition: '1.5' }],
    ['activity token without collection', activityQuery, { tokenId: '1' }],
    ['activity unknown kind', activityQuery, { kinds: 'mint,burn' }],
    ['activity empty kinds', activityQuery, { kinds: '' }],
    ['activity bad account', activityQuery, { account: '0x12' }],
    ['chain read unknown parameter', chainReadQuery, { x: '1' }],
    ['chain read position too long', chainReadQuery, { minPosition: '9'.repeat(19) }],
  ] as const)('refuse %s', (_name, schema, input) => {
    expect(schema.safeParse(input).success).toBe(false);
  });

  it('keeps settled trades’ block range and defaults', () => {
    expect(tradesQuery.parse({ fromBlock: '2', toBlock: '9' })).toEqual({
      fromBlock: 2n,
      toBlock: 9n,
    });
    expect(tradesQuery.parse({ status: 'settled', fromBlock: '2' })).toEqual({
      status: 'settled',
      fromBlock: 2n,
    });
  });
});
