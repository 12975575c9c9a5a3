/**
 * The simulator's automatic prefix cache, counted as vLLM 0.18 counts it (vllm/v1/core/
 * kv_cache_manager.py `get_computed_blocks`): a prompt is cut into full blocks of `blockTokens`
 * tokens, each identified by a hash chained to the blocks before it (and to the model or adapter
 * asked for, as vLLM's extra keys include the LoRA name); the hit is the longest run of leading
 * blocks already cached, capped at `num_tokens - 1` because the last prompt token is always
 * recomputed for its logits. Every lookup adds the prompt's tokens to `queries` and the hit's
 * tokens to `hits` (tokens, not requests). The blocks of a scheduled prompt are cached at once
 * (vLLM caches full blocks when it allocates them), so a request scheduled later finds them even
 * while the first one still runs.
 *
 * Not modelled: blocks generated while decoding (a follow-up turn that repeats an answer), and
 * eviction that spares blocks of running requests; the cache is a plain LRU of `capacityBlocks`.
 */

/** The prompt as tokens: the words of every message, after 4 chat-template tokens per message. */
export function promptTokenList(body: Record<string, unknown>): string[] {
  const words = (s: unknown) => (typeof s === 'string' ? s.split(/\s+/).filter(Boolean) : []);
  if (Array.isArray(body.messages)) {
    return body.messages.flatMap((m: unknown) => {
      const role = (m as { role?: unknown }).role;
      return ['<s>', '[INST]', typeof role === 'string' ? role : '?', ':', ...words((m as { content?: unknown }).content)];
    });
  }
  return words(body.prompt);
}

/** FNV-1a over a string, from `seed`: a cheap hash for block keys (the simulator is not adversarial). */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The chained keys of a prompt's full blocks: each block's key covers every token before its end,
 * so two prompts share a key only when they share the whole prefix up to it.
 */
export function blockKeys(tokens: readonly string[], blockTokens: number, namespace: string): string[] {
  const keys: string[] = [];
  let parent = namespace;
  for (let end = blockTokens; end <= tokens.length; end += blockTokens) {
    const text = `${parent}\u0000${tokens.slice(end - blockTokens, end).join(' ')}`;
    parent = `${fnv1a(text, 0x811c9dc5).toString(36)}.${fnv1a(text, 0x01234567).toString(36)}`;
    keys.push(parent);
  }
  return keys;
}

/** What one lookup found. */
export interface PrefixLookup {
  /** Prompt tokens looked up: all of them. */
  readonly queried: number;
  /** Leading tokens found cached, in whole blocks. */
  readonly hit: number;
}

export class PrefixCache {
  /** Insertion order is recency: the first key is the least recently used. */
  private readonly blocks = new Map<string, true>();

  constructor(
    private readonly blockTokens: number,
    private readonly capacityBlocks: number,
  ) {}

  /** Looks the prompt up, then caches its full blocks (most recent last). */
  lookupAndStore(keys: readonly string[], promptTokens: number): PrefixLookup {
    const maxHitBlocks = Math.floor(Math.max(promptTokens - 1, 0) / this.blockTokens);
    let hitBlocks = 0;
    while (hitBlocks < Math.min(maxHitBlocks, keys.length) && this.blocks.has(keys[hitBlocks]!)) hitBlocks++;
    for (const key of keys) {
      this.blocks.delete(key);
      this.blocks.set(key, true);
    }
    while (this.blocks.size > this.capacityBlocks) this.blocks.delete(this.blocks.keys().next().value!);
    return { queried: promptTokens, hit: hitBlocks * this.blockTokens };
  }

  /** Blocks held. */
  get size(): number {
    return this.blocks.size;
  }
}
