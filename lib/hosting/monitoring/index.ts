// Public API of lib/hosting/monitoring: metrics, alarms and a dashboard for an endpoint (and its training job).
export * from './endpoint-metrics';
export * from './endpoint-alarms';
export * from './endpoint-dashboard';
export * from './scale-to-zero-metrics';
export * from './copy-count-publisher';
