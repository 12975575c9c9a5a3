/** `llm-bench autoscale` through `main`: exit codes and reports. */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { autoscaleResultSchema } from '../../../bench/autoscale/result';
import { main } from '../../../bench/cli/main';
import { argv, memoryIo } from '../helpers';
import { NS } from '../kube/support/fixtures';
import { useVirtualTime } from '../../support/virtual-time';
import { autoscaledVariant, MODEL } from './support/variant';
import { tempDir } from '../../support/temp';

const FAST = ['--concurrency', '2,10', '--hold-sec', '0.3', '--poll-ms', '10', '--sample-ms', '50'];
// The double's controller, the simulators, the load and the polls share one virtual clock that
// moves only when no byte is in flight: durations are what the double scheduled.
const vt = useVirtualTime();
const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** `llm-bench autoscale` of the variant through `kubeconfig`, with the load on `baseUrl`. */
const autoscale = (kubeconfig: string, baseUrl: string, ...extra: string[]) =>
  argv('autoscale', '--kubeconfig', kubeconfig, '--variant', MODEL, '--base-url', baseUrl, ...extra);

describe('llm-bench autoscale', () => {
  it('exits 0 when it scales up and down within the limits, with a timeline in the HTML report', async () => {
    const { sim, kubeconfig, url } = await autoscaledVariant(cleanup);
    const out = tempDir('autoscale-cli-');
    const io = memoryIo();
    const code = await vt.run(
      main(
        autoscale(
          kubeconfig,
          url,
          '--metrics-url',
          sim.url,
          ...FAST,
          '--scale-up-limit-sec',
          '3',
          '--scale-down-limit-sec',
          '3',
          '--json',
          join(out, 'a.json'),
          '--html',
          join(out, 'a.html'),
          '--junit',
          join(out, 'a.xml'),
        ),
        io,
      ),
    );
    expect(io.err()).toContain('the autoscaler asked for');
    expect(code).toBe(0);
    const r = autoscaleResultSchema.parse(JSON.parse(await readFile(join(out, 'a.json'), 'utf8')));
    expect(r.scaleUpSec).not.toBeNull();
    // The cold start is priced at the default g4dn.xlarge: $0.2104/h SPOT, $0.526/h on demand.
    const cold = r.coldStartCost!;
    expect(cold).toMatchObject({ instanceType: 'g4dn.xlarge', region: 'us-east-1', replicasStarted: r.peak.ready - r.initialReplicas });
    expect(cold.spotUsd).toBeCloseTo((cold.gpuMinutes / 60) * 0.2104, 5);
    expect(cold.onDemandUsd).toBeCloseTo((cold.gpuMinutes / 60) * 0.526, 5);
    expect(io.out()).toContain('Cold-start cost: ');
    const html = await readFile(join(out, 'a.html'), 'utf8');
    for (const chart of ['Replicas', 'Queue (vllm:num_requests_waiting)', 'Requests per sample', 'TTFT over time'])
      expect(html).toContain(`aria-label="${chart}"`);
    expect(html).not.toContain('NaN');
    // Every chart's legend fits its width: at most four series each.
    for (const svg of html.match(/<svg[\s\S]*?<\/svg>/g) ?? []) expect((svg.match(/<title>/g) ?? []).length).toBeLessThanOrEqual(4);
    expect(await readFile(join(out, 'a.xml'), 'utf8')).toContain('tests="2" failures="0"');
    expect(io.out()).toContain(`## Autoscale ${NS}/${MODEL}: PASSED (2 gates)`);
  });

  it('exits 99 when the new replicas are not ready within the scale-up limit', async () => {
    const { kubeconfig, url } = await autoscaledVariant(cleanup, { pendingMs: 5000 });
    const io = memoryIo();
    const code = await vt.run(
      main(autoscale(kubeconfig, url, ...FAST, '--scale-up-limit-sec', '0.7', '--scale-down-limit-sec', '3', '--junit', '-'), io),
    );
    expect(code).toBe(99);
    expect(io.err()).toMatch(/gates crossed: scaleUpSec<=0\.7 \(measured nothing\)\n$/);
    expect(io.out()).toContain('<failure message="scaleUpSec: never reached 2 ready replicas within 0.7 s"');
  });

  it('exits 2 for load steps it cannot run and conflicting queue sources', async () => {
    const io = memoryIo();
    const { kubeconfig } = await autoscaledVariant(cleanup);
    expect(
      await vt.run(main(autoscale(kubeconfig, 'http://127.0.0.1:1', '--prometheus-url', 'http://p', '--metrics-url', 'http://m'), io)),
    ).toBe(2);
    expect(io.err()).toBe(
      [
        'error: 2 problems:',
        '- autoscale needs exactly one of --concurrency or --rate lists, got neither; pass e.g. --concurrency 4,16,32',
        '- queue depth comes from one place, got --prometheus-url and --metrics-url; pass one',
        '',
      ].join('\n'),
    );
  });

  it('exits 1 when the variant has no ScaledObject', async () => {
    const { dbl, kubeconfig } = await autoscaledVariant(cleanup);
    const io = memoryIo();
    expect(
      await vt.run(
        main(
          argv('autoscale', '--kubeconfig', kubeconfig, '--variant', 'mistral-7b-judge', '--base-url', 'http://127.0.0.1:1', ...FAST),
          io,
        ),
      ),
    ).toBe(1);
    expect(io.err()).toBe(
      `error: scaledobject ${NS}/mistral-7b-judge not found, so the variant does not autoscale; set models.<id>.maxReplicas above minReplicas, or check --namespace and --variant\n`,
    );
    expect(dbl.requests.filter((r) => r.method === 'PATCH')).toEqual([]);
  });
});
