/** Docs blocks run as written: sweep and plan (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.plan);
