/** Docs blocks run as written: compare of saved results (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.compare);
