/**
 * The program and the policy pack load the way the Pulumi CLI loads them, outside vitest:
 *
 * - the program runs in Pulumi's own `cmd/run` harness, in a plain `node` started with the
 *   nodeargs Pulumi.yaml declares (`--import tsx`, TypeScript compilation off), with the config
 *   in PULUMI_CONFIG as the CLI passes it, against a fake engine on a real gRPC port;
 * - the policy pack runs in Pulumi's `cmd/run-policy-pack` from the pack's directory, which
 *   compiles it with ts-node whatever PulumiPolicy.yaml says, and must get as far as serving.
 *
 * Every child process is killed after a deadline, so a hang fails the test instead of the run.
 * The three children are independent and each spends most of its time loading modules, so the
 * tests run concurrently: the file takes as long as its slowest child, not their sum.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { PROJECT_ROOT } from '../../stacks/synthesize';
import { CHILD_DEADLINE_MS } from '../support/deadlines';
import { type FakeEngine, startFakeEngine } from './support/fake-engine';
import { type StackOverrides, stackConfig } from './support/stack';

const require = createRequire(import.meta.url);
const DEADLINE_MS = CHILD_DEADLINE_MS;

interface ProjectFile {
  readonly main: string;
  readonly runtime: { readonly name: string; readonly options: { readonly typescript: boolean; readonly nodeargs: string } };
}
const project = parseYaml(readFileSync(join(PROJECT_ROOT, 'Pulumi.yaml'), 'utf8')) as ProjectFile;

const children: ChildProcess[] = [];
const engines: FakeEngine[] = [];
afterAll(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null) c.kill('SIGKILL');
  for (const e of engines.splice(0)) await e.close();
});

interface Exit {
  readonly code: number | null;
  readonly output: string;
}

function run(args: string[], env: NodeJS.ProcessEnv, cwd = PROJECT_ROOT): Promise<Exit> {
  const child = spawn(process.execPath, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    }),
  );
}

/** `pulumi up -s <env>` minus the CLI: the language host's command line for Pulumi.yaml. */
async function pulumiRun(env: string, overrides: StackOverrides = {}): Promise<Exit & { readonly engine: FakeEngine }> {
  const engine = await startFakeEngine();
  engines.push(engine);
  const { config, secretKeys } = stackConfig(env, overrides);
  const harness = require.resolve('@pulumi/pulumi/cmd/run');
  const args = [
    ...project.runtime.options.nodeargs.split(' '),
    harness,
    ...['--monitor', engine.address, '--engine', engine.address],
    ...['--project', 'llm-platform', '--stack', env, '--pwd', PROJECT_ROOT],
    project.main,
  ];
  // TypeScript off: the harness would otherwise register ts-node (PULUMI_NODEJS_TYPESCRIPT).
  const exit = await run(args, {
    PULUMI_CONFIG: JSON.stringify(config),
    PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(secretKeys),
    PULUMI_NODEJS_TYPESCRIPT: '',
  });
  return { ...exit, engine };
}

describe.concurrent('the Pulumi entry point', () => {
  it('is TypeScript loaded by tsx, as Pulumi.yaml tells the CLI', () => {
    expect(project).toMatchObject({
      main: 'stacks/pulumi.ts',
      runtime: { name: 'nodejs', options: { typescript: false, nodeargs: '--import tsx' } },
    });
  });

  it(
    "runs in Pulumi's own harness under plain node + tsx and registers the whole platform",
    async () => {
      const exit = await pulumiRun('dev');
      const engine = exit.engine;
      expect(exit.code, exit.output).toBe(0);
      const types = new Set(engine.registrations.map((r) => r.type));
      for (const t of [
        'pulumi:pulumi:Stack',
        'eks:index:Cluster',
        'aws:eks/nodeGroup:NodeGroup',
        'aws:s3/bucket:Bucket',
        'kubernetes:yaml/v2:ConfigGroup',
      ]) {
        expect(types, t).toContain(t);
      }
      expect(Object.keys(engine.stackOutputs()).sort()).toEqual(
        [
          'accessHostId',
          'accessHostPortForwardDocument',
          'alertsTopicArn',
          'clusterEndpoint',
          'clusterName',
          'kubeconfig',
          'modelEndpoints',
          'region',
          'registryBreakGlassRoleArn',
          'registryBucket',
          'registryPublisherRoleArn',
          'registryTable',
          // dev runs the front door (gateway.enabled).
          'publicEndpoint',
          'frontDoor',
          'gatewayApiKeysSecretArn',
        ].sort(),
      );
      expect(engine.logs.filter((l) => l.severity === 'error' || l.severity === 'warning').map((l) => l.message.slice(0, 300))).toEqual([]);
    },
    DEADLINE_MS + 10_000,
  );

  it(
    'fails in the harness with the config message before registering anything but the stack',
    async () => {
      const exit = await pulumiRun('prod', { settings: { cluster: { publicAccessCidrs: ['0.0.0.0/0'] } } });
      const engine = exit.engine;
      expect(exit.code, exit.output).not.toBe(0);
      expect(engine.registrations.map((r) => r.type)).toEqual(['pulumi:pulumi:Stack']);
      const errors = engine.logs.filter((l) => l.severity === 'error').map((l) => l.message);
      if (errors.length === 0) throw new Error(`no error logged; exit ${exit.code}: ${exit.output.slice(-2000)}`);
      expect(errors).toEqual([
        'Pulumi.prod.yaml has 1 config error:\n  - cluster.publicAccessCidrs opens the API endpoint to the world, got "0.0.0.0/0"; list your office or VPN CIDRs, or none for a private endpoint',
      ]);
    },
    DEADLINE_MS + 10_000,
  );
});

describe.concurrent('the policy pack', () => {
  it(
    "loads in Pulumi's policy-pack runner from its own directory and starts serving",
    async () => {
      const policyDir = join(PROJECT_ROOT, 'policy');
      const runner = require.resolve('@pulumi/pulumi/cmd/run-policy-pack');
      const child = spawn(process.execPath, [runner, '127.0.0.1:1', policyDir], { cwd: policyDir, stdio: ['ignore', 'pipe', 'pipe'] });
      children.push(child);
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      // The pack prints the port of its analyzer server once it is up, then serves forever.
      const first = await new Promise<string>((resolve) => {
        const timer = setTimeout(() => resolve(`timeout; stderr: ${stderr}`), DEADLINE_MS);
        child.stdout.on('data', (d: Buffer) => (clearTimeout(timer), resolve(d.toString())));
        child.on('exit', (code) => (clearTimeout(timer), resolve(`exited ${code}; stderr: ${stderr}`)));
      });
      expect(first.trim()).toMatch(/^\d+$/);
    },
    DEADLINE_MS + 10_000,
  );
});
