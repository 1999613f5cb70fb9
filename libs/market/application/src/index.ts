// The market's use cases (submit-order, cancel-orders): command handlers that load and save
// aggregates through @atelier/cqrs's repositories; adapters are wired in by the apps.
export {};
