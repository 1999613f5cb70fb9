// The settlement batch decider (open, add, simulate, submit, confirm): pure, no I/O.
// Depends only on @atelier/kernel and @atelier/eventsourcing (docs/decisions/0010).
export {};
