// The market's deciders (orders, matching, trades): pure functions over events, no I/O.
// Depends only on @atelier/kernel and @atelier/eventsourcing (docs/decisions/0010).
export {};
