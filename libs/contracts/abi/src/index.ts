export * from './generated';
export * from './eip712';
export * from './builders';
