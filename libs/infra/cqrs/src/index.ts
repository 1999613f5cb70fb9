export {
  EventSourcingModule,
  type EventSourcingOptions,
  type EventSourcingAsyncOptions,
  type FeatureOptions,
} from './event-sourcing.module';
export { AggregateEventsAppended } from './aggregate-events-appended';
export {
  EVENT_STORE,
  SNAPSHOT_STORE,
  EVENT_SOURCING_OPTIONS,
  repositoryToken,
  InjectAggregateRepository,
} from './tokens';
