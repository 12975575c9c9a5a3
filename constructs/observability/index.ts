/**
 * Observability as code: recorded SLIs, alerts with runbooks, and Grafana dashboards, for each
 * vLLM variant ({@link ModelObservability}) and for the environment ({@link PlatformObservability}).
 */
export * from './alerts';
export * from './cost';
export * from './dashboards';
export * from './grafana';
export * from './model-observability';
export * from './objects';
export * from './platform-observability';
export * from './slis';
