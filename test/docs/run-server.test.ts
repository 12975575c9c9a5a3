/** Docs blocks run as written: load --server-metrics and cache-probe (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.server);
