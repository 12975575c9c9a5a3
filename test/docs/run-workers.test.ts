/** Docs blocks run as written: the local workers example (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.workers);
