// What the settlement int specs on the shared test stack use: the parties of support/market-fixture.ts
// bound to the test anvil's deployment (RPC_URL, ATELIER_DEPLOYMENTS). Specs that bend the chain
// (paused mining, reorgs, odd block gas limits) build their own MarketFixture on a private anvil.
import pino from 'pino';
import type { PrivateKeyAccount } from 'viem';
import type { MarketEvent } from '@atelier/market-domain';
import { MarketFixture } from './support/market-fixture';

export { PRICE } from './support/market-fixture';
export const logger = pino({ level: process.env['TEST_LOG_LEVEL'] ?? 'silent' });
export const fixture = new MarketFixture(
  process.env['RPC_URL']!,
  process.env['ATELIER_DEPLOYMENTS']!,
  logger,
);
export const { deployment, client, testClient, usd, registry, marketplace } = fixture;
export const wallet = fixture.wallet.bind(fixture);
export const account = (name: string) => fixture.account(name);
export const keyOf = (name: string) => fixture.keyOf(name);
export const makeOperator = (name: string) => fixture.makeOperator(name);
export const makeSeller = (name: string, count: number) => fixture.makeSeller(name, count);
export const makeBuyer = (name: string, amount: bigint) => fixture.makeBuyer(name, amount);
export const matchedTrade = (
  seller: PrivateKeyAccount,
  buyer: PrivateKeyAccount,
  tokenId: bigint,
) => fixture.matchedTrade(seller, buyer, tokenId);
export const publishMarket = (topic: string, events: readonly MarketEvent[]) =>
  fixture.publishMarket(topic, events);
export const ownerOf = (tokenId: bigint) => fixture.ownerOf(tokenId);
export const approveMarketplaceOff = (seller: PrivateKeyAccount) =>
  fixture.approveMarketplaceOff(seller);
