// Gateway entry point: REST (and later GraphQL) edge of Atelier.
import { runHttpApp } from '@atelier/platform';
import { gatewayApp } from './gateway.app';

void runHttpApp(gatewayApp);
