// Public API of lib/hosting/monitoring: metrics, alarms and a dashboard for an endpoint (and its training job).
export * from './endpoint-metrics';
// TrainingJobMetrics lives in lib/common: TrainingJob (training) and the dashboard (hosting) both use it.
export * from '../../common/training-job-metrics';
export * from './endpoint-alarms';
export * from './endpoint-dashboard';
export * from './scale-to-zero-metrics';
export * from './copy-count-publisher';
