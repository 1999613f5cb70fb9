// The market's read models: projections implementing the @atelier/projections contract over
// market.* messages, and their readers. Today: orders and trades (orders/).
export * from './orders/orders.entities';
export {
  ordersProjection,
  applyMarketEvent,
  marketEventOf,
  collectionOfStream,
  ORDERS_PROJECTION,
} from './orders/orders.projection';
export * from './orders/orders.reader';
