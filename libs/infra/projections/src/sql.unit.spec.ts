import type { DataSource, EntityManager } from 'typeorm';
import { isTransientDbError, quotedName, quotedPath, tablePath } from './sql';

describe('isTransientDbError: wait for the database, never dead-letter because of it', () => {
  it.each([
    ['connection failure (08006)', { code: '08006' }],
    ['serialization failure (40001)', { code: '40001' }],
    ['deadlock (40P01)', { code: '40P01' }],
    ['too many connections (53300)', { code: '53300' }],
    ['admin shutdown (57P01)', { code: '57P01' }],
    ['refused socket', { code: 'ECONNREFUSED' }],
    ['pg pool timeout', new Error('timeout exceeded when trying to connect')],
    ['terminated connection', new Error('Connection terminated unexpectedly')],
    ['TypeORM wrapper around one', { message: 'query failed', driverError: { code: '57P01' } }],
  ])('%s is transient', (_what, e) => expect(isTransientDbError(e)).toBe(true));

  it.each([
    ['unique violation (23505)', { code: '23505' }],
    ['bad input (22P02)', { code: '22P02' }],
    ['undefined column (42703)', { code: '42703' }],
    ['a handler bug', new TypeError('cannot read properties of undefined')],
    ['nothing', undefined],
  ])('%s is not', (_what, e) => expect(isTransientDbError(e)).toBe(false));
});

describe("quoted names of a read model's tables", () => {
  it('quotes a name as it is, any case, its double quotes doubled', () => {
    expect(quotedName('market_orders')).toBe('"market_orders"');
    expect(quotedName('Read Model')).toBe('"Read Model"');
    expect(quotedName('a"; DROP TABLE x; --')).toBe('"a""; DROP TABLE x; --"');
    expect(quotedPath(['gw_read', 'chain"trades'])).toBe('"gw_read"."chain""trades"');
  });

  it("names an entity's table with its schema, from a DataSource or a transaction's manager", () => {
    const ds = {
      getMetadata: () => ({ tablePath: 'Gw"Read.market_orders' }),
    } as unknown as DataSource;
    const manager = { connection: ds } as unknown as EntityManager;
    expect(tablePath(ds, 'MarketOrder')).toBe('"Gw""Read"."market_orders"');
    expect(tablePath(manager, 'MarketOrder')).toBe('"Gw""Read"."market_orders"');
  });
});
