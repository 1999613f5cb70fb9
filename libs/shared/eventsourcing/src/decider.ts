// The decider (after Emmett / Jérémie Chassaing): an aggregate as three pure values.
// `decide` answers a command with events or a typed refusal (a Result, not an exception:
// a refused command is an expected outcome, and the type says which refusals exist);
// `evolve` folds one event into the state. Time and ids come in through the command (the
// handler stamps them from an injected Clock), so deciding is deterministic and replayable.
import type { DomainError, Result } from '@atelier/kernel';
import type { DomainEvent } from './codec';

export interface Decider<C, E extends DomainEvent, S, Err extends DomainError = DomainError> {
  readonly initialState: S;
  decide(command: C, state: S): Result<readonly E[], Err>;
  evolve(state: S, event: E): S;
}

/** The state after `events`, starting from `from` (default: the initial state). */
export function fold<C, E extends DomainEvent, S>(
  decider: Decider<C, E, S, DomainError>,
  events: Iterable<E>,
  from: S = decider.initialState,
): S {
  let state = from;
  for (const e of events) state = decider.evolve(state, e);
  return state;
}

/** Decides a sequence of commands in memory; stops at the first refusal. For tests and what-ifs. */
export function runCommands<C, E extends DomainEvent, S, Err extends DomainError>(
  decider: Decider<C, E, S, Err>,
  commands: Iterable<C>,
  from: S = decider.initialState,
): { state: S; events: E[]; error?: Err } {
  let state = from;
  const events: E[] = [];
  for (const c of commands) {
    const r = decider.decide(c, state);
    if (!r.ok) return { state, events, error: r.error };
    for (const e of r.value) {
      state = decider.evolve(state, e);
      events.push(e);
    }
  }
  return { state, events };
}
