/** Docs blocks run as written: the smoke and registry examples, against their servers (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.quick);
