/**
 * Standalone entry until `llm-bench registry` is wired in: `npx tsx bench/registry/main.ts list`.
 */
import { runRegistryCli } from './command';

process.exitCode = await runRegistryCli(process.argv.slice(2));
