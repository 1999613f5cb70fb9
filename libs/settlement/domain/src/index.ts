// The settlement batch decider (open, add, simulate, submit, confirm): pure, no I/O.
// Depends only on @atelier/kernel and @atelier/eventsourcing (docs/decisions/0010).
export * from './batch/settlement';
export * from './batch/errors';
export * from './batch/settlement.decider';
export * from './batch/settlement.codec';
export * from './batch/settlement.aggregate';
