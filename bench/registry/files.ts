/**
 * Reading a model directory: the list of files to publish, with the sizes and times publish
 * re-checks to notice a file that changes while it is being uploaded.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { AWS_LIMITS } from './defaults';
import { usageErrors } from '../errors';
import { MANIFEST_FILE } from './model';

// eslint-disable-next-line no-control-regex -- control characters are what a file name must not contain
const UNSAFE_NAME = /[\u0000-\u001f\u007f\\]/;

/** A regular file found under the model directory. */
export interface SourceFile {
  /** POSIX path relative to the model directory; the object key suffix. */
  readonly path: string;
  readonly absolutePath: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/**
 * Lists every regular file under `dir`, sorted by path, following symlinks (a Hugging Face
 * cache snapshot is a tree of symlinks into its blob store).
 *
 * Collects every problem (unreadable entries, special files, keys too long for S3, a reserved
 * MANIFEST.json at the root) and throws them together as one usage error.
 *
 * @param keyPrefix the object key prefix the files will be stored under, to check key lengths.
 */
export async function scanModelDir(dir: string, keyPrefix: string): Promise<SourceFile[]> {
  const rootStat = await stat(dir).catch(() => undefined);
  if (!rootStat?.isDirectory()) {
    throw usageErrors([`path must be a readable directory, got ${JSON.stringify(dir)}; pass the folder holding the model files`]);
  }
  const files: SourceFile[] = [];
  const problems: string[] = [];
  // Directory symlinks are followed, so remember where we have been to survive cycles.
  const visited = new Set<string>();

  const walk = async (absoluteDir: string, relativeDir: string): Promise<void> => {
    let entries: string[];
    try {
      const real = await realpath(absoluteDir);
      if (visited.has(real)) return;
      visited.add(real);
      entries = (await readdir(absoluteDir)).sort();
    } catch (error) {
      problems.push(
        `${relativeDir || '.'} cannot be listed, got ${(error as NodeJS.ErrnoException).code ?? String(error)}; fix its permissions or remove it`,
      );
      return;
    }
    for (const name of entries) {
      const absolutePath = join(absoluteDir, name);
      const path = relativeDir === '' ? name : `${relativeDir}/${name}`;
      const entryStat = await stat(absolutePath).catch((error: NodeJS.ErrnoException) => error);
      if (entryStat instanceof Error) {
        problems.push(`${path} cannot be read, got ${entryStat.code ?? entryStat.message}; fix or remove it`);
      } else if (entryStat.isDirectory()) {
        await walk(absolutePath, path);
      } else if (!entryStat.isFile()) {
        problems.push(`${path} is not a regular file or directory, got a special file; remove it from the model directory`);
      } else if (path === MANIFEST_FILE) {
        problems.push(`${MANIFEST_FILE} is reserved for the registry's manifest, got one in ${JSON.stringify(dir)}; remove or rename it`);
      } else if (UNSAFE_NAME.test(path)) {
        problems.push(`${JSON.stringify(path)} has a control character or backslash, got it in the file name; rename it`);
      } else if (Buffer.byteLength(keyPrefix + path) > AWS_LIMITS.maxKeyBytes) {
        problems.push(
          `${path} makes an S3 key longer than ${AWS_LIMITS.maxKeyBytes} bytes, got ${Buffer.byteLength(keyPrefix + path)}; shorten the path`,
        );
      } else {
        files.push({ path, absolutePath, size: entryStat.size, mtimeMs: entryStat.mtimeMs });
      }
    }
  };
  await walk(dir, '');

  if (problems.length === 0 && files.length === 0) {
    problems.push(
      `path must contain at least one file, got an empty directory ${JSON.stringify(dir)}; pass the folder holding the model files`,
    );
  }
  if (problems.length > 0) throw usageErrors(problems);
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
