// The market's use cases: order intake, off-chain cancels, and keeping fillability current
// from chain facts. Each runs decisions through the market aggregate's repository and reaches
// the world only through the ports in ports.ts (docs/decisions/0010).
export * from './ports';
export * from './submit-orders/submit-orders';
export * from './cancel-orders/cancel-orders';
export * from './track-fillability/track-fillability';
