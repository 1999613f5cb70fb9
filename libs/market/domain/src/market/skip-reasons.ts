// What a pair that did not settle means for each of its orders. The contract names the first
// check that failed (`PairSkipped.reason`, docs/contracts.md); the market turns it into facts
// about each side: closed for good, or a token or balance the chain no longer backs (believed
// until the next observation re-reads the chain). The side that did nothing wrong is released
// and matched again.
import type { ClosedReason } from './market';

/** The contract's `SkipReason` names (value 0, None, never reaches the market). */
export const CONTRACT_SKIP_REASONS = [
  'BidBelowAsk',
  'SelfTrade',
  'CurrencyNotAllowed',
  'AskNotStarted',
  'BidNotStarted',
  'AskExpired',
  'BidExpired',
  'AskBadSignature',
  'BidBadSignature',
  'AskCounterStale',
  'BidCounterStale',
  'AskCancelled',
  'BidCancelled',
  'AskFilled',
  'BidFilled',
  'BuyerUnfunded',
  'SellerNotOwner',
  'ItemNotApproved',
  'ItemTransferFailed',
] as const;

/**
 * Every reason a matched trade can be released: the contract's, or `Abandoned` when settlement
 * gave the pair back without a verdict (it could not be submitted; both sides are re-matched).
 */
export const SKIP_REASONS = [...CONTRACT_SKIP_REASONS, 'Abandoned'] as const;
export type SkipReason = (typeof SKIP_REASONS)[number];

export interface SideEffect {
  readonly close?: Extract<ClosedReason, 'expired' | 'void' | 'cancelled'>;
  readonly token?: 'not-owner' | 'no-approval';
  readonly unfunded?: true;
}

const none: SideEffect = {};

/** For each reason: what happens to the ask and to the bid. */
const EFFECTS: Readonly<Record<SkipReason, { ask: SideEffect; bid: SideEffect }>> = {
  // The market never matches these; if the contract says so anyway, neither order is trusted.
  BidBelowAsk: { ask: { close: 'void' }, bid: { close: 'void' } },
  SelfTrade: { ask: { close: 'void' }, bid: { close: 'void' } },
  CurrencyNotAllowed: { ask: { close: 'void' }, bid: { close: 'void' } },
  // Chain time ran behind ours: both go back to the book.
  AskNotStarted: { ask: none, bid: none },
  BidNotStarted: { ask: none, bid: none },
  AskExpired: { ask: { close: 'expired' }, bid: none },
  BidExpired: { ask: none, bid: { close: 'expired' } },
  // An EIP-1271 wallet that no longer accepts its signature.
  AskBadSignature: { ask: { close: 'void' }, bid: none },
  BidBadSignature: { ask: none, bid: { close: 'void' } },
  AskCounterStale: { ask: { close: 'void' }, bid: none },
  BidCounterStale: { ask: none, bid: { close: 'void' } },
  AskCancelled: { ask: { close: 'cancelled' }, bid: none },
  BidCancelled: { ask: none, bid: { close: 'cancelled' } },
  // The nonce was used by another order (a direct fill or a replacement filled elsewhere).
  AskFilled: { ask: { close: 'void' }, bid: none },
  BidFilled: { ask: none, bid: { close: 'void' } },
  BuyerUnfunded: { ask: none, bid: { unfunded: true } },
  SellerNotOwner: { ask: { token: 'not-owner' }, bid: none },
  ItemNotApproved: { ask: { token: 'no-approval' }, bid: none },
  // A collection whose transferFrom fails (or burns gas): that ask cannot trade.
  ItemTransferFailed: { ask: { close: 'void' }, bid: none },
  Abandoned: { ask: none, bid: none },
};

export const skipEffects = (reason: SkipReason): { ask: SideEffect; bid: SideEffect } =>
  EFFECTS[reason];

export const isSkipReason = (s: string): s is SkipReason =>
  (SKIP_REASONS as readonly string[]).includes(s);
