// Given / when / then for deciders, so domain specs read like the event-modelling they come
// from: given these past events, when this command, then these new events (or this refusal,
// by its stable code). Pure: no store, no clock, no framework; jest's expect gives the diffs.
import type { DomainError } from '@atelier/kernel';
import { fold, type Decider, type DomainEvent } from '@atelier/eventsourcing';

export interface DeciderThen<E, S, Err extends DomainError> {
  /** The command is accepted and decides exactly these events (in order). Returns the new state. */
  then(expected: readonly E[]): S;
  /** The command is accepted and decides nothing (an idempotent no-op). */
  thenNothing(): S;
  /** The command is refused with this code (and, optionally, these details). Returns the error. */
  thenError(code: Err['code'], details?: Readonly<Record<string, unknown>>): Err;
  /** The state after the decided events, checked by value or by a callback. */
  thenState(expected: S | ((state: S) => void)): S;
}

export interface DeciderGiven<C, E, S, Err extends DomainError> {
  when(command: C): DeciderThen<E, S, Err>;
}

export interface DeciderSpec<C, E, S, Err extends DomainError> {
  given(events?: readonly E[]): DeciderGiven<C, E, S, Err>;
}

export function deciderSpec<C, E extends DomainEvent, S, Err extends DomainError>(
  decider: Decider<C, E, S, Err>,
): DeciderSpec<C, E, S, Err> {
  return {
    given(history: readonly E[] = []) {
      const state = fold(decider as Decider<C, E, S, DomainError>, history);
      return {
        when(command: C) {
          const result = decider.decide(command, state);
          const accepted = (): readonly E[] => {
            if (!result.ok)
              throw new Error(
                `expected the command to be accepted, but it was refused: ${result.error.code} (${result.error.message})`,
              );
            return result.value;
          };
          const after = (events: readonly E[]): S =>
            fold(decider as Decider<C, E, S, DomainError>, events, state);
          return {
            then(expected) {
              const events = accepted();
              expect(events).toEqual(expected);
              return after(events);
            },
            thenNothing() {
              const events = accepted();
              expect(events).toEqual([]);
              return state;
            },
            thenError(code, details) {
              if (result.ok)
                throw new Error(
                  `expected refusal ${code}, but the command was accepted with ${JSON.stringify(result.value, bigintSafe)}`,
                );
              expect(result.error.code).toBe(code);
              if (details) expect(result.error.details).toMatchObject(details);
              return result.error;
            },
            thenState(expected) {
              const s = after(accepted());
              if (typeof expected === 'function') (expected as (state: S) => void)(s);
              else expect(s).toEqual(expected);
              return s;
            },
          };
        },
      };
    },
  };
}

const bigintSafe = (_k: string, v: unknown): unknown => (typeof v === 'bigint' ? `${v}n` : v);
