/** Docs blocks run as written: eval and pareto (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.decide);
