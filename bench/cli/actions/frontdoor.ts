/** What `llm-bench frontdoor` does once its flags parse. */
import { writeFile } from 'node:fs/promises';
import { failOnProblems } from '../../errors';
import { runFrontDoor } from '../../frontdoor/frontdoor';
import { frontDoorMarkdown, frontDoorSuite } from '../../frontdoor/report';
import { loadFrontDoor } from '../../frontdoor/target';
import { renderJunit } from '../../report/junit';
import { type FrontDoorFlags, frontDoorOptionsFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';

export interface FrontDoorCommandFlags extends FrontDoorFlags {
  readonly targets: string;
  readonly json?: string;
  readonly junit?: string;
}

export async function frontDoorAction(f: FrontDoorCommandFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const problems: string[] = [];
  const options = await frontDoorOptionsFrom(f, io, problems);
  failOnProblems(problems);
  const target = await loadFrontDoor(f.targets);
  const result = await runFrontDoor({ ...options, target });
  if (f.json !== undefined) await writeFile(f.json, `${JSON.stringify(result, null, 2)}\n`);
  if (f.junit !== undefined) await writeFile(f.junit, renderJunit([frontDoorSuite(result)]));
  io.stdout(frontDoorMarkdown(result).join('\n'));
  exit.code = result.exitCode;
}
