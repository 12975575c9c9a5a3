/** `llm-bench frontdoor --targets FILE`: the front-door checks alone. */
import { Command } from 'commander';
import type { FrontDoorCommandFlags } from '../actions/frontdoor';
import { FRONT_DOOR_DEFAULTS } from '../../frontdoor/defaults';
import { addFrontDoorFlags, number } from '../flags';
import { type CliIo, type ExitSink, withConventions } from '../io';

/** The `frontdoor` command; add it with `program.addCommand(frontDoorCommand(io, exit))`. */
export function frontDoorCommand(io: CliIo, exit: ExitSink): Command {
  const cmd = new Command('frontdoor')
    .description(
      'check the public front door: HTTPS, keys, models, streaming, the A/B split (chi-square) and the rate limit (429 with Retry-After)',
    )
    .requiredOption('--targets <file>', 'pulumi stack output --json, or a targets file with frontDoor:')
    .option('--json <file>', 'write the JSON result (- for stdout)')
    .option('--junit <file>', 'write JUnit XML (- for stdout)')
    .option(
      '--request-timeout <s>',
      `seconds each request may take (default ${FRONT_DOOR_DEFAULTS.requestTimeoutSec})`,
      number('--request-timeout'),
    );
  addFrontDoorFlags(cmd);
  return withConventions(
    cmd.action(async (f: FrontDoorCommandFlags) => (await import('../actions/frontdoor')).frontDoorAction(f, io, exit)),
    io,
  );
}
