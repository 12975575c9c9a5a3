/** The simulated side of `npm run demo`: an environment's variants as the simulator serves them. */
import type { DemoModel } from '../bench/demo';
import type { SimAdapter } from '../bench/sim/simulator';
import type { PlatformConfig } from '../config/platform';

/** One simulated model per enabled variant (served name, max_model_len, max_num_seqs) and the LoRA adapters. */
export function demoModels(c: PlatformConfig): { models: DemoModel[]; adapters: SimAdapter[] } {
  return {
    models: c.enabledModels.map((m) => ({ name: m.name, maxModelLen: m.maxModelLen, maxNumSeqs: m.maxNumSeqs })),
    adapters: c.enabledModels.flatMap((m) => (m.adapters ?? []).map((a) => ({ name: a.name, parent: m.name }))),
  };
}
