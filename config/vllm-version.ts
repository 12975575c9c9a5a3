/**
 * The vLLM image-version gate: every image a variant runs (the workload image, or a blue/green
 * track's own tag) must be a vLLM release that has every flag the construct emits for it, as
 * recorded in facts/vllm. The version comes from the image tag, or `workloads.image.vllmVersion`
 * when the image is pinned by digest.
 */
import { VARIANT_IDS, type VariantId } from '../constructs/catalog';
import { vllmArgs, type VllmArgsProps } from '../constructs/vllm-args';
import { CURRENT_VLLM, VLLM_SURFACES, compareVllmVersions, lookupFlag, parseVllmVersion, type VllmVersion } from '../facts/vllm';

/** The settings the gate reads, as the schema gives them. */
export interface VersionGateInput {
  readonly workloads: { readonly image: { readonly tag: string; readonly digest?: string; readonly vllmVersion?: string } };
  readonly models: Readonly<
    Record<
      VariantId,
      Omit<VllmArgsProps, 'name' | 'source' | 'lora' | 'extraArgs'> & {
        readonly enabled: boolean;
        readonly source: { readonly kind: 'huggingface' } | { readonly kind: 'registry'; readonly loader: 'sync' | 'stream' };
        readonly rolloutStrategy?: string;
        readonly blueGreen: { readonly tracks: Readonly<Record<'blue' | 'green', { readonly imageTag?: string }>> };
        readonly maxLoras?: number;
        readonly maxLoraRank?: number;
        readonly adapters?: readonly { readonly name: string }[];
      }
    >
  >;
}

/** The long flags the construct emits for a variant (not its extraArgs, which are the user's). */
export function emittedFlags(id: VariantId, m: VersionGateInput['models'][VariantId]): string[] {
  const args = vllmArgs({
    ...m,
    name: id,
    // Only the flags matter here: any registry URI gives the same ones.
    source:
      m.source.kind === 'registry'
        ? { kind: 'registry', uri: 's3://bucket/models/x/v0.0.0/', loader: m.source.loader, syncImage: 'x:0' }
        : { kind: 'huggingface' },
    lora:
      m.maxLoras !== undefined && m.maxLoraRank !== undefined
        ? // Where an adapter comes from changes no flag: any path gives the same ones.
          { maxLoras: m.maxLoras, maxLoraRank: m.maxLoraRank, adapters: (m.adapters ?? []).map((a) => ({ name: a.name, path: '/x' })) }
        : undefined,
    extraArgs: [],
  });
  return [...new Set(args.filter((a) => a.startsWith('--')))];
}

const quote = (s: string) => JSON.stringify(s);

/** Errors and warnings about the vLLM versions the images run; every message has the config path. */
export function vllmVersionProblems(c: VersionGateInput): { errors: string[]; warnings: string[] } {
  const errors: string[] = [];
  const warnings: string[] = [];
  const image = c.workloads.image;
  let workload: { path: string; shown: string; version: VllmVersion } | undefined;
  if (image.vllmVersion !== undefined) {
    const v = parseVllmVersion(image.vllmVersion);
    if (v === null)
      errors.push(
        `workloads.image.vllmVersion must be a vLLM release like 0.18.0, got ${quote(image.vllmVersion)}; set the version the image runs`,
      );
    else workload = { path: 'workloads.image.vllmVersion', shown: image.vllmVersion, version: v };
  } else if (image.digest !== undefined) {
    errors.push(
      `workloads.image.digest pins the image, so the vLLM version it runs is unknown, got ${quote(image.digest)}; set workloads.image.vllmVersion (e.g. ${CURRENT_VLLM.version}) so the flags can be checked`,
    );
  } else if (image.tag !== 'latest') {
    const v = parseVllmVersion(image.tag);
    if (v === null) {
      errors.push(
        `workloads.image.tag does not name a vLLM release, got ${quote(image.tag)}; use a release tag like v${CURRENT_VLLM.version}, or pin a digest and set workloads.image.vllmVersion`,
      );
    } else workload = { path: 'workloads.image.tag', shown: image.tag, version: v };
  }

  const reported = new Set<string>();
  const check = (path: string, shown: string, version: VllmVersion, flags: readonly string[], who: string) => {
    const oldest = VLLM_SURFACES[0]!;
    let found = false;
    for (const flag of flags) {
      const hit = lookupFlag(CURRENT_VLLM, flag);
      const key = `${path} ${flag}`;
      if (reported.has(key)) continue;
      if (hit === undefined) {
        reported.add(key);
        found = true;
        errors.push(
          `${who} emits ${flag}, which vLLM ${CURRENT_VLLM.version} does not have, got ${path} ${quote(shown)}; remove the setting that adds it`,
        );
      } else if (hit.fact.addedIn !== null && compareVllmVersions(version, hit.fact.addedIn) < 0) {
        reported.add(key);
        found = true;
        errors.push(
          `${path} runs vLLM ${version.text}, which has no ${flag} (added in vLLM ${hit.fact.addedIn}) that ${who} passes, got ${quote(shown)}; use an image of vLLM ${hit.fact.addedIn} or later`,
        );
      }
    }
    if (!found && compareVllmVersions(version, oldest.version) < 0 && !reported.has(path)) {
      reported.add(path);
      errors.push(
        `${path} runs vLLM ${version.text}, older than any recorded vLLM surface (oldest ${oldest.version}), got ${quote(shown)}; use vLLM ${oldest.version} or later`,
      );
    }
    if (compareVllmVersions(version, CURRENT_VLLM.version) > 0 && !reported.has(`${path} newer`)) {
      reported.add(`${path} newer`);
      warnings.push(
        `${path} runs vLLM ${version.text}, newer than the newest recorded surface (facts/vllm, ${CURRENT_VLLM.version}), got ${quote(shown)}; its flags are checked against ${CURRENT_VLLM.version} until facts/vllm/v${version.text}.ts is recorded`,
      );
    }
  };

  for (const id of VARIANT_IDS) {
    const m = c.models[id];
    if (!m.enabled) continue;
    const flags = emittedFlags(id, m);
    const who = `models.${id}`;
    const tracks = m.rolloutStrategy === 'BlueGreen' ? (['blue', 'green'] as const) : [];
    const ownTags = tracks.filter((t) => m.blueGreen.tracks[t].imageTag !== undefined);
    for (const t of ownTags) {
      const tag = m.blueGreen.tracks[t].imageTag!;
      if (tag === 'latest') continue; // reported by the config check for unpinned tags
      const path = `models.${id}.blueGreen.tracks.${t}.imageTag`;
      const v = parseVllmVersion(tag);
      if (v === null)
        errors.push(`${path} does not name a vLLM release, got ${quote(tag)}; use a release tag like v${CURRENT_VLLM.version}`);
      else check(path, tag, v, flags, who);
    }
    // The workload image runs wherever a track has no tag of its own (or there are no tracks).
    if (workload && (tracks.length === 0 || ownTags.length < tracks.length)) {
      check(workload.path, workload.shown, workload.version, flags, who);
    }
  }
  return { errors, warnings };
}
