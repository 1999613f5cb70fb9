// The live feeds on /metrics: gauges read from LiveFeed.stats() at scrape time (nothing is
// counted twice, and the feed's hot path stays free of metric calls).
import { Gauge, type Registry } from 'prom-client';
import type { LiveFeed } from './live-feed';

export function registerLiveMetrics(registry: Registry, feed: LiveFeed): void {
  const registers = [registry];
  new Gauge({
    name: 'atelier_live_subscribers',
    help: 'open live feeds (SSE and GraphQL) of this process',
    registers,
    collect() {
      this.set(feed.stats().subscribers);
    },
  });
  new Gauge({
    name: 'atelier_live_events',
    help: 'since start: changes delivered, clients cut off as too slow, orders/trades read back',
    labelNames: ['kind'],
    registers,
    collect() {
      const s = feed.stats();
      this.set({ kind: 'delivered' }, s.delivered);
      this.set({ kind: 'cut_off' }, s.cutOff);
      this.set({ kind: 'read_back' }, s.lookups);
    },
  });
}
