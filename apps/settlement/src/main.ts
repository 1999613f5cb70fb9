// Settlement worker entry point: batches matched trades and settles them on chain.
import { runHttpApp } from '@atelier/platform';
import { settlementApp } from './settlement.app';

void runHttpApp(settlementApp);
