/**
 * An environment's PrometheusRules evaluated by Prometheus's own tool, as the operator loads
 * them (all groups of the environment together): `promtool check rules` is clean (no syntax
 * error, no duplicate rule), and the generated `promtool test rules` unit tests (rule-tests.ts)
 * show every alert firing on the data it is meant for, with its labels and rendered annotations,
 * and staying silent on healthy data and on the other models' trouble. One test file per
 * environment (promtool-<env>.test.ts), so the environments run side by side.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PlatformConfig } from '../../config/platform';
import { parse, stringify } from 'yaml';
import { renderManifests } from '../../stacks/manifests';
import { prometheusTool, runPromtool, runPromtoolAsync } from '../support/prometheus-tools';
import { tempDir } from '../support/temp';
import { environmentRuleGroups, generateRuleTests } from './rule-tests';
import { ofKind } from '../support/manifests';
import { envs, rulesOf } from './support';

/** Registers the promtool tests of environment `name` (a Pulumi.<name>.yaml). */
export function describePromtool(name: string): void {
  const found = envs.find(([env]) => env === name);
  if (found === undefined) throw new Error(`no Pulumi.${name}.yaml among the environments ${envs.map(([e]) => e).join(', ')}`);
  const [env, c]: [string, PlatformConfig] = found;
  const dir = tempDir('llm-platform-promtool-');
  const promtool = prometheusTool('promtool');
  if (!promtool) return;

  describe(`promtool: ${env} environment`, () => {
    const objs = renderManifests(c);
    const groups = environmentRuleGroups(objs);
    const rulesFile = `${env}.rules.yaml`;
    writeFileSync(join(dir, rulesFile), stringify({ groups }, { lineWidth: 0 }));

    it('check rules: every rule of the environment loads, with no duplicate rule and no lint finding', () => {
      const r = runPromtool(promtool, ['check', 'rules', '--lint=all', '--lint-fatal', rulesFile], dir);
      const rules = groups.reduce((n, g) => n + g.rules.length, 0);
      expect({ status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() }).toEqual({
        status: 0,
        stdout: `Checking ${rulesFile}\n  SUCCESS: ${rules} rules found`,
        stderr: '',
      });
    });

    it('check rules: each synthesized PrometheusRule on its own, as the operator writes one file per object', () => {
      const files = ofKind(objs, 'PrometheusRule').map((o) => {
        const file = `${env}.${o.metadata.name}.yaml`;
        writeFileSync(join(dir, file), stringify((o as any).spec, { lineWidth: 0 }));
        return { file, rules: rulesOf(o).length };
      });
      const r = runPromtool(promtool, ['check', 'rules', '--lint=all', '--lint-fatal', ...files.map((f) => f.file)], dir);
      expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 0, stderr: '' });
      for (const f of files) expect(r.stdout, f.file).toContain(`Checking ${f.file}\n  SUCCESS: ${f.rules} rules found`);
    });

    it('test rules: every alert fires on its trouble for that model alone, with its labels and annotations, and nothing fires on healthy data', async () => {
      const tests = generateRuleTests(c, objs, rulesFile);
      // Every alert rule of the environment has its scenario (one per model, one per cluster-wide alert).
      const alerts = groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => `${r.labels?.model_name ?? 'cluster'} ${r.alert}`));
      expect([...tests.scenarios].sort()).toEqual(alerts.sort());
      // The scenarios in two files, one promtool process each, side by side (promtool runs a file's tests one by one).
      const all = parse(tests.yaml) as { rule_files: string[]; tests: unknown[] };
      const half = Math.ceil(all.tests.length / 2);
      const parts = [all.tests.slice(0, half), all.tests.slice(half)].map((part, i) => {
        const file = `${env}.rules.test.${i}.yaml`;
        writeFileSync(join(dir, file), stringify({ ...all, tests: part }, { lineWidth: 0 }));
        return file;
      });
      expect(parts.length).toBe(2);
      const runs = await Promise.all(parts.map((file) => runPromtoolAsync(promtool, ['test', 'rules', file], dir)));
      for (const r of runs) {
        expect(r.stdout + r.stderr, 'promtool test rules').toContain('SUCCESS');
        expect(r.status, r.stdout + r.stderr).toBe(0);
      }

      // And the tests can fail: with one model's TTFT budget raised tenfold in the rules, its scenario does.
      const model = c.enabledModels[0]!;
      const alert = 'VllmTimeToFirstTokenHigh';
      const bad = groups.map((g) => ({
        ...g,
        rules: g.rules.map((x) =>
          x.alert === alert && x.labels?.model_name === model.name
            ? { ...x, expr: x.expr.replace(/ > ([0-9.]+)$/, (_m, v: string) => ` > ${Number(v) * 10}`) }
            : x,
        ),
      }));
      writeFileSync(join(dir, `${env}.bad.rules.yaml`), stringify({ groups: bad }, { lineWidth: 0 }));
      const doc = parse(tests.yaml) as { rule_files: string[]; tests: { name: string }[] };
      const one = { ...doc, rule_files: [`${env}.bad.rules.yaml`], tests: doc.tests.filter((t) => t.name === `${model.name} ${alert}`) };
      expect(one.tests).toHaveLength(1);
      writeFileSync(join(dir, `${env}.bad.test.yaml`), stringify(one, { lineWidth: 0 }));
      const failed = runPromtool(promtool, ['test', 'rules', `${env}.bad.test.yaml`], dir);
      expect(failed.status).not.toBe(0);
      expect(failed.stdout + failed.stderr).toContain(`name: ${model.name} ${alert}`);
      // promtool evaluates every rule of the environment at each minute of every scenario: ~20 s per environment on a busy 2-core machine.
    }, 300_000);
  });
}
