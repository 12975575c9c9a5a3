/**
 * The flags that read the engine's side of a load run (`load --server-metrics`) and the cluster
 * the run's replicas are counted in. Light: commander and the defaults.
 */
import type { Command } from 'commander';
import { POSTDEPLOY_DEFAULTS } from '../checks/defaults';
import { collect, number } from './flags';

export interface ServerFlags {
  readonly serverMetrics?: boolean;
  readonly metricsUrl: string[];
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly service?: string;
  readonly metricsPort?: number;
}

/** vLLM's port in the pods (constructs/vllm-model.ts serves on 8000). */
export const VLLM_POD_PORT = 8000;

export function addServerFlags(cmd: Command): Command {
  return cmd
    .option('--server-metrics', "read vLLM's /metrics before and after the run and report the engine's own percentiles beside the client's")
    .option(
      '--metrics-url <url>',
      'with --server-metrics: a pod (or server) whose /metrics to read; repeatable (default: the --base-url)',
      collect,
      [],
    )
    .option(
      '--kubeconfig <file>',
      "read the Service's ready pods: the replicas that served (for $ per 1M tokens) and, with --server-metrics, each pod's /metrics through the API server's proxy; " +
        'for load --workers, also run the workers as an Indexed Job in the cluster instead of local processes',
    )
    .option('--context <name>', 'kubeconfig context (default: its current-context)')
    .option('--namespace <ns>', 'namespace of the Service, with --kubeconfig', POSTDEPLOY_DEFAULTS.namespace)
    .option('--service <name>', 'the Service of the model, with --kubeconfig (default: --model)')
    .option('--metrics-port <port>', `vLLM's port in the pods, with --kubeconfig (default ${VLLM_POD_PORT})`, number('--metrics-port'));
}
