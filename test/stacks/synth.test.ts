/** `npm run synth`: real synth into temporary folders, through the same entry the README uses. */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PROJECT_ROOT, environments, synthesize } from '../../stacks/synthesize';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { tempDir } from '../support/temp';

const tmp = () => tempDir('llm-platform-synth-');

function readTree(dir: string): Record<string, string> {
  return Object.fromEntries(
    readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => {
        const p = join(e.parentPath, e.name);
        return [p.slice(dir.length), readFileSync(p, 'utf8')];
      }),
  );
}

function runSynth(args: string[], cwd = PROJECT_ROOT) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'stacks/synth.ts'), ...args], {
    cwd,
    encoding: 'utf8',
    timeout: CHILD_DEADLINE_MS,
  });
}

describe('synth', () => {
  it('writes one folder per environment and one file per chart', () => {
    const out = tmp();
    const results = synthesize({ outDir: out });
    expect(results.map((r) => r.environment)).toEqual(environments());
    expect(readdirSync(out).sort()).toEqual(environments());
    const prod = results.find((r) => r.environment === 'prod')!;
    expect(prod.files).toEqual([
      'bench.k8s.yaml',
      'gateway.k8s.yaml',
      'mistral-7b-awq.k8s.yaml',
      'mistral-7b-fp16.k8s.yaml',
      'mistral-7b-judge.k8s.yaml',
      'mistral-7b-lora.k8s.yaml',
      'namespace.k8s.yaml',
    ]);
    const docs = parseAllDocuments(readFileSync(join(out, 'prod', 'mistral-7b-fp16.k8s.yaml'), 'utf8')).map((d) => d.toJS());
    expect(docs.map((d) => d.kind)).toEqual([
      'ServiceAccount',
      'Deployment',
      'Service',
      'ServiceMonitor',
      'PodDisruptionBudget',
      'NetworkPolicy',
      'PrometheusRule',
      'ConfigMap',
    ]);
  });

  it('is deterministic: two runs write identical files', () => {
    const a = tmp();
    const b = tmp();
    synthesize({ outDir: a });
    synthesize({ outDir: b });
    const ta = readTree(a);
    expect(Object.keys(ta).length).toBeGreaterThan(5);
    expect(readTree(b)).toEqual(ta);
  });

  it('leaves other files in the output folder alone and removes manifests of disabled variants', () => {
    const out = tmp();
    synthesize({ outDir: out, envs: ['dev'] });
    writeFileSync(join(out, 'dev', 'kustomization.yaml'), 'resources: []\n');
    writeFileSync(join(out, 'dev', 'mistral-7b-fp16.k8s.yaml'), 'stale: true\n');
    writeFileSync(join(out, 'README.md'), 'gitops repo\n');
    synthesize({ outDir: out, envs: ['dev'] });
    expect(readdirSync(join(out, 'dev')).sort()).toEqual([
      'bench.k8s.yaml',
      'gateway.k8s.yaml',
      'kustomization.yaml',
      'mistral-7b-awq.k8s.yaml',
      'mistral-7b-judge.k8s.yaml',
      'mistral-7b-lora.k8s.yaml',
      'namespace.k8s.yaml',
    ]);
    expect(readFileSync(join(out, 'README.md'), 'utf8')).toBe('gitops repo\n');
  });

  it('runs from the command line into another folder', () => {
    const out = tmp();
    const r = runSynth(['--out', out, '--env', 'prod']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(`prod: 7 files in ${join(out, 'prod')}`);
    expect(readdirSync(out)).toEqual(['prod']);
  });

  it('fails with exit 2 for an unknown environment', () => {
    const r = runSynth(['--out', tmp(), '--env', 'qa']);
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toBe('synth: --env qa has no Pulumi.<env>.yaml; known environments: dev, prod');
  });

  it('names the file when its YAML does not parse', () => {
    const root = tmp();
    writeFileSync(join(root, 'Pulumi.dev.yaml'), 'config:\n  llm-platform:tier: dev\n  llm-platform:tier: prod\n');
    expect(() => synthesize({ outDir: tmp(), root })).toThrow(
      /^Pulumi\.dev\.yaml has 1 config error:\n {2}- the file is not valid YAML: Map keys must be unique/,
    );
  });

  it('fails with exit 2 on a bad config and writes nothing, not even the valid environments', () => {
    const root = tmp();
    for (const f of ['Pulumi.dev.yaml', 'Pulumi.prod.yaml']) cpSync(join(PROJECT_ROOT, f), join(root, f));
    writeFileSync(
      join(root, 'Pulumi.prod.yaml'),
      readFileSync(join(root, 'Pulumi.prod.yaml'), 'utf8').replace('  llm-platform:models:\n', '  llm-platform:models:\n    bogus: {}\n'),
    );
    const out = tmp();
    expect(() => synthesize({ outDir: out, root })).toThrow(
      'Pulumi.prod.yaml has 1 config error:\n  - models.bogus is not a known setting; known settings: awq, fp16, lora, judge',
    );
    expect(readdirSync(out)).toEqual([]);
  });
});
