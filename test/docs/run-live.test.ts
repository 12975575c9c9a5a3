/** Docs blocks run as written: compare --live, one interleaved load over two targets (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.live);
