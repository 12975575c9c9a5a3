/** Docs blocks run as written: npm run demo (bench/README.md) (see blocks.ts). */
import { describeBlocks, GROUPS } from './blocks';

describeBlocks(GROUPS.demo);
