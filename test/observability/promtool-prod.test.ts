/** promtool check rules and test rules over the prod environment's rules (see promtool.ts). */
import { describePromtool } from './promtool';

describePromtool('prod');
