/**
 * `npm run policy`: the library entry over every environment, the AWS hook, the table, and the
 * CLI's exit codes through the same command the README gives.
 *
 * The CLI runs are independent child processes that mostly load modules: they all start when the
 * file does, beside the in-process tests, and each test awaits the run it checks.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../config/platform';
import { PROJECT_ROOT, environments } from '../../stacks/synthesize';
import { formatTable, summarize, type PolicyRow } from '../../policy/report';
import { BENCH_LOAD_JOB } from '../../stacks/bench-chart';
import { EXAMPLE_BENCH_IMAGE, UsageError, benchJobLabel, runPolicy } from '../../stacks/policy-run';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { tempDir } from '../support/temp';

interface CliRun {
  readonly status: number | null;
  /** The signal that ended the child: SIGTERM when it outlived its deadline. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `npm run policy -- <args>` in a child process; killed after a deadline, so a hang fails the test. */
function cli(args: string[]): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(PROJECT_ROOT, 'stacks/policy-run.ts'), ...args], {
      cwd: PROJECT_ROOT,
      timeout: CHILD_DEADLINE_MS,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

/** A project folder with the given stack files (copied from this project or written). */
function project(files: Record<string, string>): string {
  const dir = tempDir('llm-platform-policy-');
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
}

/** An environment whose registry sync image is unpinned (the pinned-images rule's fixture in test/policy covers the manifest side). */
const UNPINNED_SYNC = `config:
  llm-platform:registry:
    bucketName: llm-platform-models-test
    syncImage: public.ecr.aws/aws-cli/aws-cli:latest
  llm-platform:models:
    fp16: { enabled: false }
    lora: { enabled: false }
    judge: { enabled: false }
    awq:
      source: { kind: registry, version: 1.0.0, loader: sync }
`;

const BAD = 'config:\n  llm-platform:models:\n    awq: { maxModelLength: 1 }\n';

/** Every CLI run the file checks, started at once (see the module comment). */
let runs: Record<'all' | 'unpinned' | 'bad' | 'bogus', Promise<CliRun>>;
beforeAll(() => {
  runs = {
    all: cli([]),
    unpinned: cli(['--root', project({ 'Pulumi.edge.yaml': UNPINNED_SYNC }), '--failures-only']),
    bad: cli(['--root', project({ 'Pulumi.bad.yaml': BAD })]),
    bogus: cli(['--bogus']),
  };
  // Awaited by the tests; a rejection here must not go unhandled meanwhile.
  for (const run of Object.values(runs)) run.catch(() => {});
});

describe('runPolicy', () => {
  it('judges every environment with the Kubernetes rules and the mocked stacks with the AWS rules', async () => {
    const { rows } = await runPolicy();
    expect([...new Set(rows.map((r) => r.environment))]).toEqual(environments().flatMap((e) => [e, benchJobLabel(e)]));
    for (const env of environments()) {
      expect(rows.filter((r) => r.environment === env && r.source === 'k8s').length, env).toBeGreaterThan(50);
      expect(rows.filter((r) => r.environment === env && r.source === 'aws').length, env).toBeGreaterThan(20);
    }
    expect(rows.filter((r) => !r.passed)).toEqual([]);
  });

  it('judges the distributed load Job of every environment, with the example image when the environment names none', async () => {
    const { rows, notes } = await runPolicy({ captureAws: () => Promise.resolve([]) });
    for (const env of environments()) {
      const job = rows.filter(
        (r) => r.environment === benchJobLabel(env) && r.type === 'Job' && r.resource === `llm-bench/${BENCH_LOAD_JOB}`,
      );
      // The pod rules that make the Job restricted, pinned and bounded, and its own NetworkPolicy.
      expect(
        job.map((r) => r.rule),
        env,
      ).toEqual(
        expect.arrayContaining([
          'run-as-non-root',
          'no-privilege-escalation',
          'pinned-images',
          'requests-and-limits',
          'network-policy-per-workload',
          'references-resolve',
        ]),
      );
      expect(
        rows.some((r) => r.environment === benchJobLabel(env) && r.type === 'NetworkPolicy'),
        env,
      ).toBe(true);
      // Only the bench-load chart's objects: the rest of the environment is judged once, under its own name.
      expect(
        rows.filter((r) => r.environment === benchJobLabel(env)).every((r) => r.resource === `llm-bench/${BENCH_LOAD_JOB}`),
        env,
      ).toBe(true);
    }
    expect(notes).toEqual(
      environments().map(
        (e) =>
          `${benchJobLabel(e)}: bench Job with image ${EXAMPLE_BENCH_IMAGE} (${e} sets no bench.image, so it ships no bench-load.k8s.yaml; ` +
          'these rows judge the Job as it would be emitted)',
      ),
    );
    expect(EXAMPLE_BENCH_IMAGE).toMatch(/^registry\.example\.com\/llm-bench:\d+\.\d+\.\d+/);
  });

  it('judges an environment that names its llm-bench image under its own name, without the example', async () => {
    const root = project({
      'Pulumi.edge.yaml': 'config:\n  llm-platform:tier: dev\n  llm-platform:bench:\n    image: registry.example.com/llm-bench:9.9.9\n',
    });
    const { rows, notes } = await runPolicy({ root });
    expect(
      rows.some(
        (r) => r.environment === 'edge' && r.type === 'Job' && r.resource === `llm-bench/${BENCH_LOAD_JOB}` && r.rule === 'pinned-images',
      ),
    ).toBe(true);
    expect(rows.every((r) => r.environment === 'edge')).toBe(true);
    expect(notes.some((n) => n.includes('bench Job'))).toBe(false);
  });

  it('says the AWS rules did not run for another project root', async () => {
    const root = project({ 'Pulumi.edge.yaml': 'config:\n  llm-platform:tier: dev\n' });
    const { rows, notes } = await runPolicy({ root });
    expect(rows.every((r) => r.source === 'k8s')).toBe(true);
    expect(notes.filter((n) => !n.includes('bench Job'))).toEqual([
      `aws rules not run: the Pulumi program is captured only for this project's own stacks, not --root ${root}`,
    ]);
  });

  it('runs the AWS rules over what a capture returns, per environment', async () => {
    const seen: string[] = [];
    const { rows, notes } = await runPolicy({
      envs: ['dev'],
      captureAws: (env) => {
        seen.push(env);
        return Promise.resolve([{ type: 'aws:s3/bucket:Bucket', name: 'models', inputs: { bucket: 'models', forceDestroy: true } }]);
      },
    });
    expect(seen).toEqual(['dev']);
    expect(notes.filter((n) => !n.includes('bench Job'))).toEqual([]);
    const aws = rows.filter((r) => r.source === 'aws');
    expect(aws.length).toBeGreaterThan(0);
    expect(aws.some((r) => !r.passed && r.resource === 'models')).toBe(true);
  });

  it('fails with a usage error for an unknown environment, and a ConfigError for an invalid one', async () => {
    await expect(runPolicy({ envs: ['staging'] })).rejects.toThrow(UsageError);
    await expect(runPolicy({ envs: ['staging'] })).rejects.toThrow('--env staging has no Pulumi.<env>.yaml; known environments: dev, prod');
    const root = project({ 'Pulumi.bad.yaml': BAD });
    await expect(runPolicy({ root })).rejects.toThrow(ConfigError);
  });
});

describe('the table', () => {
  const rows: PolicyRow[] = [
    { source: 'k8s', environment: 'dev', rule: 'probes', resource: 'llm-baseline/m', type: 'Deployment', passed: true, reason: 'ok' },
    {
      source: 'aws',
      environment: 'prod',
      rule: 's3-encryption',
      resource: 'models-bucket',
      type: 'aws:s3/bucket:Bucket',
      passed: false,
      reason: 'no KMS',
    },
  ];

  it('aligns every column but the reason and marks failures', () => {
    const lines = formatTable(rows).split('\n');
    expect(lines[0]).toMatch(/^env\s+source\s+rule\s+resource\s+type\s+result\s+reason$/);
    const col = lines[0]!.indexOf('result');
    expect(lines[2]!.slice(col, col + 4)).toBe('pass');
    expect(lines[3]!.slice(col, col + 4)).toBe('FAIL');
    expect(lines[3]!.endsWith('no KMS')).toBe(true);
  });

  it('sums up the checks and the failures per rule', () => {
    expect(summarize(rows)).toBe('2 checks, 1 failed (aws:s3-encryption 1)');
    expect(summarize(rows.slice(0, 1))).toBe('1 checks, 0 failed');
  });
});

describe('npm run policy', () => {
  it('prints the table and exits 0 when every environment passes', async () => {
    const r = await runs.all;
    expect(r.stderr).toBe('');
    expect(r.status, `ended by ${r.signal ?? 'exit'}`).toBe(0);
    expect(r.stdout).toMatch(/^env\s+source\s+rule/);
    expect(r.stdout).toMatch(/prod\s+k8s\s+pdb-allows-drain\s+llm-baseline\/mistral-7b-awq-blue\s+Deployment\s+pass/);
    expect(r.stdout.trimEnd().split('\n').pop()).toMatch(/^\d+ checks, 0 failed$/);
    expect(r.stdout).toMatch(/prod \(bench Job\)\s+k8s\s+pinned-images\s+llm-bench\/llm-bench-load\s+Job\s+pass/);
    expect(r.stdout).toContain(`note: prod (bench Job): bench Job with image ${EXAMPLE_BENCH_IMAGE}`);
  });

  it('exits 2 for an unpinned registry sync image: config validation stops it before the pinned-images rule would', async () => {
    const r = await runs.unpinned;
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(
      'Pulumi.edge.yaml has 1 config error:\n  - registry.syncImage must be pinned by a tag other than latest or by digest, got "public.ecr.aws/aws-cli/aws-cli:latest"',
    );
  });

  it('exits 2 with every config problem, and on bad usage', async () => {
    const bad = await runs.bad;
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(
      'Pulumi.bad.yaml has 1 config error:\n  - models.awq.maxModelLength is not a known setting; did you mean models.awq.maxModelLen?',
    );
    const usage = await runs.bogus;
    expect(usage.status).toBe(2);
    expect(usage.stderr).toMatch(/^policy: Unknown option '--bogus'/);
  });
});
