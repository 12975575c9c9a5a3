/** What `llm-bench frontdoor` does once its flags parse. */
import { UsageError } from '../../errors';
import { runFrontDoor } from '../../frontdoor/frontdoor';
import { frontDoorMarkdown, frontDoorSuite } from '../../frontdoor/report';
import { loadFrontDoor } from '../../frontdoor/target';
import { renderJunit } from '../../report/junit';
import { type FrontDoorFlags, frontDoorOptionsFrom } from '../flags';
import type { CliIo, ExitSink } from '../io';
import { checkUsage, outputProblems, toStdout, withOutputs, writeOutput } from '../output';

export interface FrontDoorCommandFlags extends FrontDoorFlags {
  readonly targets: string;
  readonly json?: string;
  readonly junit?: string;
}

export async function frontDoorAction(f: FrontDoorCommandFlags, io: CliIo, exit: ExitSink): Promise<void> {
  const outputs = { ...(f.json !== undefined && { json: f.json }), ...(f.junit !== undefined && { junit: f.junit }) };
  const problems = outputProblems(outputs);
  const options = await frontDoorOptionsFrom(f, io, problems);
  const target = await loadFrontDoor(f.targets).catch((err: unknown) => {
    if (!(err instanceof UsageError)) throw err;
    problems.push(...err.problems);
    return undefined;
  });
  await checkUsage(outputs, problems);
  const result = await runFrontDoor({ ...options, target: target! });
  let written = true;
  if (f.json !== undefined) written = (await writeOutput(f.json, `${JSON.stringify(result, null, 2)}\n`, io, 'json')) && written;
  if (f.junit !== undefined) written = (await writeOutput(f.junit, renderJunit([frontDoorSuite(result)]), io, 'junit')) && written;
  if (!toStdout(outputs)) io.stdout(frontDoorMarkdown(result).join('\n'));
  exit.code = withOutputs(result.exitCode, written);
}
