import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryError } from '../../../bench/registry/errors';
import type { ModelRegistry } from '../../../bench/registry/registry';
import { BUCKET, IMAGE, getItem, localRegistry, makeModelDir, putItem, rejection } from './support/fixtures';
import { startLocalAws, type LocalAws } from './support/servers';

let aws: LocalAws;
let registry: ModelRegistry;

/** Publishes tiny versions of `model`. */
async function publishVersions(model: string, versions: readonly string[]): Promise<void> {
  const dir = await makeModelDir(aws, { 'config.json': `{"model":"${model}"}` });
  for (const version of versions) await registry.publish({ model, version, path: dir, image: IMAGE });
}

beforeAll(async () => {
  aws = await startLocalAws();
  await aws.createRegistryStore(BUCKET, 'llm-registry-test');
  registry = localRegistry(aws).registry;
});

afterAll(async () => {
  await aws?.stop();
});

describe('promote and resolve', () => {
  it('records the current version, then keeps the one before as previous', async () => {
    await publishVersions('judge', ['1.0.0', '1.1.0']);

    const first = await registry.promote({ model: 'judge', version: '1.0.0', env: 'prod' });
    expect(first).toMatchObject({ changed: true, pointer: { env: 'prod', current: '1.0.0', revision: 1 } });
    expect(first.pointer.previous).toBeUndefined();
    const second = await registry.promote({ model: 'judge', version: '1.1.0', env: 'prod' });
    expect(second).toMatchObject({ changed: true, pointer: { current: '1.1.0', previous: '1.0.0', revision: 2 } });

    expect(await registry.resolve({ model: 'judge', env: 'prod' })).toEqual({
      model: 'judge',
      env: 'prod',
      version: '1.1.0',
      uri: `s3://${BUCKET}/models/judge/v1.1.0/`,
      previous: false,
      revision: 2,
    });
    expect(await registry.resolve({ model: 'judge', env: 'prod', previous: true })).toEqual({
      model: 'judge',
      env: 'prod',
      version: '1.0.0',
      uri: `s3://${BUCKET}/models/judge/v1.0.0/`,
      previous: true,
      revision: 2,
    });

    const [listing] = await registry.list('judge');
    expect(listing?.envs).toEqual([expect.objectContaining({ env: 'prod', current: '1.1.0', previous: '1.0.0', revision: 2 })]);
    expect(listing?.versions.map((v) => v.version)).toEqual(['1.0.0', '1.1.0']);
  });

  it('changes nothing when the environment already runs the version, so previous still rolls back', async () => {
    await publishVersions('same', ['1.0.0', '2.0.0']);
    await registry.promote({ model: 'same', version: '1.0.0', env: 'prod' });
    await registry.promote({ model: 'same', version: '2.0.0', env: 'prod' });

    const again = await registry.promote({ model: 'same', version: '2.0.0', env: 'prod' });

    expect(again).toMatchObject({ changed: false, pointer: { current: '2.0.0', previous: '1.0.0', revision: 2 } });
  });

  it('keeps environments apart', async () => {
    await publishVersions('envs', ['1.0.0', '1.1.0']);
    await registry.promote({ model: 'envs', version: '1.1.0', env: 'dev' });
    await registry.promote({ model: 'envs', version: '1.0.0', env: 'prod' });

    expect((await registry.resolve({ model: 'envs', env: 'dev' })).version).toBe('1.1.0');
    expect((await registry.resolve({ model: 'envs', env: 'prod' })).version).toBe('1.0.0');
  });

  it('fails when resolving --previous after a single promote', async () => {
    await publishVersions('once', ['1.0.0']);
    await registry.promote({ model: 'once', version: '1.0.0', env: 'prod' });

    const error = await rejection(registry.resolve({ model: 'once', env: 'prod', previous: true }));

    expect(error.code).toBe('not_found');
    expect(error.message).toBe(
      'environment prod of model once has no previous version, got only 1.0.0 promoted (revision 1); there is nothing to roll back to',
    );
  });

  it('fails when the environment was never promoted', async () => {
    const error = await rejection(registry.resolve({ model: 'nothing', env: 'prod' }));

    expect(error.message).toBe('environment prod of model nothing has no promoted version, got no env#prod item; promote a version first');
  });

  it('fails when promoting a version that is not published or not ready', async () => {
    const { ddb } = aws.clients();
    await putItem(ddb, {
      model_name: 'pending',
      version: '1.0.0',
      kind: 'version',
      status: 'uploading',
      claim_id: 'c',
      claimed_at: new Date().toISOString(),
      claimed_by: 'host:1',
      heartbeat_at: new Date().toISOString(),
    });

    const missing = await rejection(registry.promote({ model: 'pending', version: '9.9.9', env: 'prod' }));
    const uploading = await rejection(registry.promote({ model: 'pending', version: '1.0.0', env: 'prod' }));

    expect(missing.message).toBe(
      'model pending version 9.9.9 is not published, got no item in llm-registry-test; run list --model pending to see its versions',
    );
    expect(uploading.code).toBe('not_found');
    expect(uploading.message).toMatch(/^model pending version 1\.0\.0 is not ready, got status uploading by host:1/);
    expect(await getItem(ddb, 'pending', 'env#prod')).toBeUndefined();
  });

  it('fails when the expected revision is not the current one', async () => {
    await publishVersions('expect', ['1.0.0', '1.1.0']);
    await registry.promote({ model: 'expect', version: '1.0.0', env: 'prod', expectedRevision: 0 });

    const error = await rejection(registry.promote({ model: 'expect', version: '1.1.0', env: 'prod', expectedRevision: 0 }));

    expect(error.code).toBe('stale_revision');
    expect(error.message).toBe(
      'environment prod of model expect is at revision 1 (version 1.0.0), got expected revision 0; someone promoted since you looked: resolve again and decide',
    );
  });
});

describe('promote races', () => {
  it('lets exactly one of two promotes from the same observed revision win', async () => {
    await publishVersions('race', ['1.0.0', '1.1.0', '1.2.0']);
    await registry.promote({ model: 'race', version: '1.0.0', env: 'prod' });
    const observed = (await registry.resolve({ model: 'race', env: 'prod' })).revision;

    const outcomes = await Promise.allSettled([
      localRegistry(aws).registry.promote({ model: 'race', version: '1.1.0', env: 'prod', expectedRevision: observed }),
      localRegistry(aws).registry.promote({ model: 'race', version: '1.2.0', env: 'prod', expectedRevision: observed }),
    ]);

    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const error = lost[0]!.reason as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.code).toBe('stale_revision');
    const winner = won[0]!.value.pointer;
    expect(error.message).toMatch(
      new RegExp(
        `^(promote of model race version 1\\.[12]\\.0 to prod lost a race, got revision 2 \\(version ${winner.current.replace(/\./g, '\\.')}\\) where 1 was read; another promote landed first: resolve again and promote if still wanted` +
          `|environment prod of model race is at revision 2 \\(version ${winner.current.replace(/\./g, '\\.')}\\), got expected revision 1; someone promoted since you looked: resolve again and decide)$`,
      ),
    );
    // The loser changed nothing: the item is the winner's, and previous is the real predecessor.
    expect(await registry.resolve({ model: 'race', env: 'prod' })).toMatchObject({ version: winner.current, revision: 2 });
    expect((await registry.resolve({ model: 'race', env: 'prod', previous: true })).version).toBe('1.0.0');
  });

  it('rejects, by the conditional write, a promote whose read went stale before it wrote', async () => {
    await publishVersions('slow', ['1.0.0', '1.1.0', '1.2.0']);
    await registry.promote({ model: 'slow', version: '1.0.0', env: 'prod' });
    const slow = localRegistry(aws);
    let interfered = false;
    // Between the slow promote's read and its write, a fast one lands.
    slow.ddb.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { Item?: { version?: string } };
        if (!interfered && input.Item?.version === 'env#prod') {
          interfered = true;
          await registry.promote({ model: 'slow', version: '1.2.0', env: 'prod' });
        }
        return next(args);
      },
      { step: 'initialize', name: 'interfere' },
    );

    const error = await rejection(slow.registry.promote({ model: 'slow', version: '1.1.0', env: 'prod' }));

    expect(interfered).toBe(true);
    expect(error.code).toBe('stale_revision');
    expect(error.message).toBe(
      'promote of model slow version 1.1.0 to prod lost a race, got revision 2 (version 1.2.0) where 1 was read; another promote landed first: resolve again and promote if still wanted',
    );
    expect(await registry.resolve({ model: 'slow', env: 'prod', previous: true })).toMatchObject({ version: '1.0.0', revision: 2 });
  });

  it('keeps the revision equal to the number of winners under a crowd of promotes', async () => {
    const versions = ['1.0.0', '1.0.1', '1.0.2', '1.0.3', '1.0.4', '1.0.5'];
    await publishVersions('crowd', versions);

    const outcomes = await Promise.allSettled(
      versions.map((version) => localRegistry(aws).registry.promote({ model: 'crowd', version, env: 'prod' })),
    );

    const winners = outcomes.filter((o) => o.status === 'fulfilled');
    expect(winners.length).toBeGreaterThanOrEqual(1);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect((o.reason as RegistryError).code).toBe('stale_revision');
    }
    const final = await registry.resolve({ model: 'crowd', env: 'prod' });
    expect(final.revision).toBe(winners.length);
    const byRevision = new Map(winners.map((w) => [w.value.pointer.revision, w.value.pointer]));
    expect(byRevision.size).toBe(winners.length);
    expect(byRevision.get(final.revision)?.current).toBe(final.version);
  });
});
