/** promtool check rules and test rules over the dev environment's rules (see promtool.ts). */
import { describePromtool } from './promtool';

describePromtool('dev');
