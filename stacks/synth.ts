/**
 * `npm run synth [-- --out DIR] [--env NAME]... [--root DIR]`: write every environment's manifests
 * to `DIR/<env>/` (default `dist/`). Exit 2 on a config error, with every problem listed.
 */
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, ConfigErrors } from '../config/platform';
import { PROJECT_ROOT, synthesize } from './synthesize';

function main(): number {
  let values: { out?: string; env?: string[]; root?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      options: {
        out: { type: 'string', short: 'o' },
        env: { type: 'string', short: 'e', multiple: true },
        root: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (e) {
    console.error(`synth: ${(e as Error).message}; run with --help for usage`);
    return 2;
  }
  if (values.help) {
    console.log(
      'usage: npm run synth -- [--out DIR] [--env NAME]... [--root DIR]\n' +
        '  writes DIR/<env>/*.k8s.yaml (default DIR: dist) from the Pulumi.<env>.yaml files in --root (default: the project)',
    );
    return 0;
  }
  if (values.root !== undefined && !statSync(values.root, { throwIfNoEntry: false })?.isDirectory()) {
    console.error(`synth: --root ${values.root} is not a directory; pass the folder that holds the Pulumi.<env>.yaml files`);
    return 2;
  }
  try {
    const results = synthesize({
      outDir: resolve(values.out ?? resolve(PROJECT_ROOT, 'dist')),
      envs: values.env,
      root: values.root === undefined ? undefined : resolve(values.root),
    });
    for (const r of results) {
      console.log(`${r.environment}: ${r.files.length} files in ${r.dir}`);
      for (const w of r.warnings) console.warn(`  warning: ${w}`);
    }
    return 0;
  } catch (e) {
    const config = e instanceof ConfigError || e instanceof ConfigErrors;
    console.error(config ? (e as Error).message : `synth: ${(e as Error).message}`);
    return config || /has no Pulumi/.test((e as Error).message) ? 2 : 1;
  }
}

process.exitCode = main();
