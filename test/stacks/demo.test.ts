/** `npm run demo` mirrors an environment: its simulator serves each enabled variant with the variant's context length. */
import { describe, expect, it } from 'vitest';
import { startSimulator } from '../../bench/sim/simulator';
import { demoModels } from '../../stacks/demo-models';
import { realEnvironments } from '../support/manifests';

describe.each(realEnvironments())('demo of %s', (_env, c) => {
  it('serves each enabled variant with its max_model_len and max_num_seqs, and the LoRA adapters', () => {
    const { models, adapters } = demoModels(c);
    expect(models).toEqual(c.enabledModels.map((m) => ({ name: m.name, maxModelLen: m.maxModelLen, maxNumSeqs: m.maxNumSeqs })));
    expect(adapters).toEqual(c.enabledModels.flatMap((m) => (m.adapters ?? []).map((a) => ({ name: a.name, parent: m.name }))));
  });

  it("answers vLLM's 400 for a prompt past a variant's context, as that variant would", async () => {
    const { models } = demoModels(c);
    const sim = await startSimulator({ port: 0, ttftMs: 0, itlMs: 0, models });
    try {
      for (const m of models) {
        const res = await fetch(`${sim.url}/v1/completions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ model: m.name, prompt: 'w '.repeat(m.maxModelLen), max_tokens: 16 }),
        });
        expect([m.name, res.status]).toEqual([m.name, 400]);
        expect(await res.json()).toMatchObject({ error: { param: 'input_tokens' } });
      }
    } finally {
      await sim.close();
    }
  });
});
