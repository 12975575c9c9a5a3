#!/usr/bin/env node
// The published entry: registers tsx so the TypeScript sources run as they are (no build step),
// then hands the arguments to the CLI and exits with its code.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/main.ts');
process.exitCode = await main(process.argv);
