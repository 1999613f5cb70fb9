// The market's deciders (orders, matching, trades): pure functions over events, no I/O.
// Depends only on @atelier/kernel and @atelier/eventsourcing (docs/decisions/0010).
export * from './market/order';
export * from './market/split';
export * from './market/skip-reasons';
export * from './market/market';
export * from './market/matching';
export * from './market/decide';
export * from './market/market.codec';
export * from './market/market.aggregate';
