// edgekube: a Kubernetes API server on Cloudflare Workers.
import { createApp } from './api/app';

export { Store } from './store/store';
export { Controllers } from './controllers/durable';
export { Tunnel } from './proxy/tunnel';
export { Metrics } from './metrics/aggregator';

export default createApp();
