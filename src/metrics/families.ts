// The metric families edgekube serves: kube-apiserver's names, labels, help
// and buckets where a family has a kube meaning
// (k8s.io/apiserver pkg/endpoints/metrics, pkg/storage), and edgekube's own,
// prefixed edgekube_, for what only this server has (shards, tunnels).

export interface Family {
  type: 'counter' | 'gauge' | 'histogram';
  help: string;
  /** kube's stability level, printed before the help as the component-base registry does. */
  stability?: 'STABLE' | 'BETA' | 'ALPHA';
  buckets?: number[];
}

const REQUEST_BUCKETS = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1.0, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60];

export const FAMILIES: Record<string, Family> = {
  apiserver_request_total: {
    type: 'counter', stability: 'STABLE',
    help: 'Counter of apiserver requests broken out for each verb, dry run value, group, version, resource, scope, component, and HTTP response code.',
  },
  apiserver_request_duration_seconds: {
    type: 'histogram', stability: 'STABLE', buckets: REQUEST_BUCKETS,
    help: 'Response latency distribution in seconds for each verb, dry run value, group, version, resource, subresource, scope and component.',
  },
  apiserver_current_inflight_requests: {
    type: 'gauge', stability: 'STABLE',
    help: 'Maximal number of currently used inflight request limit of this apiserver per request kind in last second.',
  },
  apiserver_longrunning_requests: {
    type: 'gauge', stability: 'STABLE',
    help: 'Gauge of all active long-running apiserver requests broken out by verb, group, version, resource, scope and component. Not all requests are tracked this way.',
  },
  apiserver_storage_objects: {
    type: 'gauge', stability: 'STABLE',
    help: '[DEPRECATED, consider using apiserver_resource_objects instead] Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
  },
  apiserver_resource_objects: {
    type: 'gauge', stability: 'ALPHA',
    help: 'Number of stored objects at the time of last check split by kind. In case of a fetching error, the value will be -1.',
  },
  apiserver_watch_events_total: {
    type: 'counter', stability: 'BETA',
    help: 'Number of events sent in watch clients',
  },
  apiserver_registered_watchers: {
    type: 'gauge', stability: 'ALPHA',
    help: 'Number of currently registered watchers for a given resources',
  },
  etcd_request_duration_seconds: {
    type: 'histogram', stability: 'ALPHA', buckets: REQUEST_BUCKETS,
    help: 'Etcd request latency in seconds for each operation and object type. In edgekube: a store Durable Object call, from the Worker.',
  },
  etcd_requests_total: {
    type: 'counter', stability: 'ALPHA',
    help: 'Etcd request counts for each operation and object type.',
  },
  edgekube_store_request_duration_seconds: {
    type: 'histogram', buckets: REQUEST_BUCKETS,
    help: 'Latency of calls from the Worker to a store shard (a Durable Object), by shard and operation.',
  },
  edgekube_store_resource_version: {
    type: 'gauge',
    help: 'The newest resourceVersion of a store shard.',
  },
  edgekube_tunnel_connections: {
    type: 'gauge',
    help: 'Node agents whose reverse tunnel is connected.',
  },
  edgekube_metrics_isolates: {
    type: 'gauge',
    help: 'Worker isolates that reported metrics in the last ten minutes; gauges of in-flight requests sum over them.',
  },
};
