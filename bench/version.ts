import pkg from '../package.json' with { type: 'json' };

/** Name and version stamped into every result file. */
export const TOOL = { name: 'llm-bench', version: pkg.version } as const;
