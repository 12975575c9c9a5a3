/**
 * Sizes of what the add-ons claim. They live in the leaf config/sizes.ts, which the cost estimate
 * (bench/cost/environment.ts) reads too, so the bill and the cluster agree.
 */
export { PROMETHEUS_STORAGE_GIB } from '../config/sizes';
