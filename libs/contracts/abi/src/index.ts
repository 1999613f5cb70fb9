export * from './generated';
export * from './eip712';
