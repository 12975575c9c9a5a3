/**
 * The model catalog: the four vLLM variants of Mistral-7B-Instruct-v0.2 the platform serves,
 * and the architecture facts the GPU fit check needs.
 *
 * Each entry holds what is true of the variant itself (model id, quantization, weight size) and
 * the tuning it ships with; the config schema uses these as the defaults an environment may
 * override, so a variant's defaults are written once, here.
 */

/** Architecture facts of the base model, from its config.json. */
export const MISTRAL_7B = {
  layers: 32,
  kvHeads: 8,
  headDim: 128,
  /** LoRA parameters per unit of rank when every linear layer is adapted: Σ(in+out) over q,k,v,o,gate,up,down × layers. */
  loraParamsPerRank: 32 * (8192 + 5120 + 5120 + 8192 + 3 * 18432),
} as const;

/** KV-cache bytes per token in fp16: K and V × layers × KV heads × head dim × 2 bytes = 128 KiB. */
export const KV_BYTES_PER_TOKEN = 2 * MISTRAL_7B.layers * MISTRAL_7B.kvHeads * MISTRAL_7B.headDim * 2;

/** Quantization methods vLLM accepts here, with the lowest compute capability whose kernels run them. */
export const QUANTIZATION_MIN_CAPABILITY = {
  awq: 7.5,
  awq_marlin: 8.0,
  gptq: 6.0,
  gptq_marlin: 8.0,
  fp8: 8.9,
} as const;
export type Quantization = keyof typeof QUANTIZATION_MIN_CAPABILITY;

/** Compute capability below which a dtype has no hardware support (T4 is 7.5: no bf16). */
export const DTYPE_MIN_CAPABILITY = { half: 6.0, bfloat16: 8.0 } as const;
export type Dtype = keyof typeof DTYPE_MIN_CAPABILITY;

/** The config keys of the four variants, in catalog order. */
export const VARIANT_IDS = ['awq', 'fp16', 'lora', 'judge'] as const;
export type VariantId = (typeof VARIANT_IDS)[number];

/** One catalog entry. */
export interface VariantSpec {
  /** Kubernetes name of the Deployment, Service and friends; also the served model name. */
  readonly name: string;
  /** Team the variant serves, as a label. */
  readonly team: string;
  readonly description: string;
  /** Hugging Face repository id. */
  readonly modelId: string;
  readonly quantization: Quantization | null;
  /** Size of the weights on the GPU, GiB. */
  readonly weightsGiB: number;
  readonly maxModelLen: number;
  readonly maxNumSeqs: number;
  readonly maxNumBatchedTokens?: number;
  readonly gpuMemoryUtilization: number;
  /** Activations, CUDA graphs and allocator slack on top of weights and KV, GiB. */
  readonly overheadGiB: number;
  /** Skip CUDA graph capture (saves memory; slower decode). */
  readonly enforceEager: boolean;
  /** LoRA defaults; only the adapter variant has them. */
  readonly lora?: { readonly maxLoras: number; readonly maxLoraRank: number };
}

const AWQ_ID = 'TheBloke/Mistral-7B-Instruct-v0.2-AWQ';
/** model.safetensors of the AWQ repo: 4.15 GB. */
const AWQ_WEIGHTS_GIB = 3.87;

export const CATALOG: Readonly<Record<VariantId, VariantSpec>> = {
  awq: {
    name: 'mistral-7b-awq',
    team: 'quant',
    description: '4-bit AWQ, the default serving variant',
    modelId: AWQ_ID,
    quantization: 'awq',
    weightsGiB: AWQ_WEIGHTS_GIB,
    maxModelLen: 4096,
    maxNumSeqs: 32,
    gpuMemoryUtilization: 0.9,
    overheadGiB: 1.0,
    enforceEager: false,
  },
  fp16: {
    name: 'mistral-7b-fp16',
    team: 'platform',
    description: 'full-precision reference; 14.5 GB of weights leave room for ~1k tokens of KV on a T4',
    modelId: 'mistralai/Mistral-7B-Instruct-v0.2',
    quantization: null,
    weightsGiB: 13.49,
    maxModelLen: 1024,
    maxNumSeqs: 4,
    // 0.9 of a T4 is 13.3 GiB, less than the weights alone; 0.97 leaves ~0.2 GiB to spare.
    gpuMemoryUtilization: 0.97,
    overheadGiB: 0.6,
    // CUDA graphs cost a few hundred MiB this variant does not have.
    enforceEager: true,
  },
  lora: {
    name: 'mistral-7b-lora',
    team: 'finetune',
    description: 'AWQ base with up to four LoRA adapters hot at once',
    modelId: AWQ_ID,
    quantization: 'awq',
    weightsGiB: AWQ_WEIGHTS_GIB,
    maxModelLen: 4096,
    maxNumSeqs: 16,
    gpuMemoryUtilization: 0.9,
    overheadGiB: 1.0,
    enforceEager: false,
    lora: { maxLoras: 4, maxLoraRank: 16 },
  },
  judge: {
    name: 'mistral-7b-judge',
    team: 'eval',
    description: 'AWQ scorer: long prompts, short verdicts, many at once',
    modelId: AWQ_ID,
    quantization: 'awq',
    weightsGiB: AWQ_WEIGHTS_GIB,
    maxModelLen: 4096,
    // Scoring is prefill-heavy with ~10-token outputs: batch many and prefill in big chunks.
    maxNumSeqs: 64,
    maxNumBatchedTokens: 8192,
    gpuMemoryUtilization: 0.9,
    overheadGiB: 1.2,
    enforceEager: false,
  },
};

const GIB = 1024 ** 3;

/** GPU memory a variant needs for one full-length sequence, broken down for messages. */
export interface MemoryNeed {
  readonly weightsGiB: number;
  readonly kvGiB: number;
  readonly loraGiB: number;
  readonly overheadGiB: number;
  readonly totalGiB: number;
}

/** Weights + KV for one `maxModelLen` sequence + LoRA slots + overhead. */
export function memoryNeed(v: {
  weightsGiB: number;
  maxModelLen: number;
  overheadGiB: number;
  lora?: { maxLoras: number; maxLoraRank: number } | undefined;
}): MemoryNeed {
  const kvGiB = (v.maxModelLen * KV_BYTES_PER_TOKEN) / GIB;
  const loraGiB = v.lora ? (v.lora.maxLoras * v.lora.maxLoraRank * MISTRAL_7B.loraParamsPerRank * 2) / GIB : 0;
  return {
    weightsGiB: v.weightsGiB,
    kvGiB,
    loraGiB,
    overheadGiB: v.overheadGiB,
    totalGiB: v.weightsGiB + kvGiB + loraGiB + v.overheadGiB,
  };
}
