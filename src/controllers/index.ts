// The server's built-in controllers (issue 4, "In the server"): scheduler,
// node lifecycle, endpoints and endpoint slices, clusterrole aggregation. They run in the Controllers
// Durable Object on alarms and write through the rest layer like any client.
export { Controllers } from './durable';
export { notifyControllers } from './notify';
export { runScheduler } from './scheduler';
export { runNodeLifecycle } from './nodelifecycle';
export { runEndpoints } from './endpoints';
export { runClusterRoleAggregation } from './clusterroleaggregation';
export { controllerOptions, CONTROLLERS_INSTANCE, type ControllerEnv, type ControllerOptions } from './env';
