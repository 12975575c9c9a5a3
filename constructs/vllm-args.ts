/**
 * The vLLM command line of a model variant: plain data and a function with no cdk8s import, so
 * config validation (the image-version gate) and tools can build it without loading cdk8s.
 */
import type { VllmModelProps } from './vllm-model';
import { registryCachePath } from './workload-layout';

/** Port vLLM's OpenAI server listens on. */
export const VLLM_PORT = 8000;

/** What the vLLM command line is built from. */
export type VllmArgsProps = Pick<
  VllmModelProps,
  | 'name'
  | 'modelId'
  | 'source'
  | 'revision'
  | 'quantization'
  | 'dtype'
  | 'maxModelLen'
  | 'maxNumSeqs'
  | 'maxNumBatchedTokens'
  | 'gpuMemoryUtilization'
  | 'enforceEager'
  | 'enablePrefixCaching'
  | 'shutdownTimeoutSec'
  | 'lora'
  | 'extraArgs'
  | 'tracing'
>;

/**
 * The vLLM command line for a variant, in a stable order. The image's ENTRYPOINT is
 * `vllm serve`, so the first argument is the model (positional: `--model` is deprecated there).
 */
export function vllmArgs(p: VllmArgsProps): string[] {
  const src = p.source ?? { kind: 'huggingface' };
  const args: string[] = [];
  if (src.kind === 'huggingface') {
    args.push(p.modelId);
    if (p.revision) args.push('--revision', p.revision);
  } else if (src.loader === 'sync') {
    args.push(registryCachePath(src.uri));
  } else {
    args.push(src.uri, '--load-format', 'runai_streamer');
  }
  args.push('--served-model-name', p.name, '--host', '0.0.0.0', '--port', String(VLLM_PORT), '--dtype', p.dtype);
  if (p.quantization) args.push('--quantization', p.quantization);
  args.push('--max-model-len', String(p.maxModelLen), '--max-num-seqs', String(p.maxNumSeqs));
  if (p.maxNumBatchedTokens !== undefined) args.push('--max-num-batched-tokens', String(p.maxNumBatchedTokens));
  args.push('--gpu-memory-utilization', String(p.gpuMemoryUtilization));
  if (p.enforceEager) args.push('--enforce-eager');
  args.push(p.enablePrefixCaching ? '--enable-prefix-caching' : '--no-enable-prefix-caching');
  args.push('--shutdown-timeout', String(p.shutdownTimeoutSec));
  if (p.lora) {
    args.push('--enable-lora', '--max-loras', String(p.lora.maxLoras), '--max-lora-rank', String(p.lora.maxLoraRank));
    if (p.lora.adapters.length > 0) args.push('--lora-modules', ...p.lora.adapters.map((a) => `${a.name}=${a.path}`));
  }
  if (p.tracing) args.push('--otlp-traces-endpoint', p.tracing.otlpTracesEndpoint);
  return [...args, ...p.extraArgs];
}
