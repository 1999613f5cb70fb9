// The market's read models (order books, trades, ledgers): projections implementing the
// @atelier/projections contract over market.* messages, and their readers.
export {};
