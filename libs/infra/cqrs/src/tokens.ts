// DI tokens of the event-sourcing module. Symbols and derived strings, never class names a
// minifier could rename.
import { Inject } from '@nestjs/common';
import type { AggregateDefinition } from '@atelier/eventsourcing';

export const EVENT_STORE = Symbol('atelier.EVENT_STORE');
export const SNAPSHOT_STORE = Symbol('atelier.SNAPSHOT_STORE');
export const EVENT_SOURCING_OPTIONS = Symbol('atelier.EVENT_SOURCING_OPTIONS');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyAggregate = AggregateDefinition<any, any, any, any>;

export const repositoryToken = (definition: AnyAggregate): string =>
  `atelier.EventSourcedRepository:${definition.name}`;

/** Injects the EventSourcedRepository of an aggregate registered with forFeature. */
export const InjectAggregateRepository = (definition: AnyAggregate): ParameterDecorator =>
  Inject(repositoryToken(definition));
