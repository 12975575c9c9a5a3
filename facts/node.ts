/**
 * Node.js release lines and the image the llm-bench Dockerfile runs on. A leaf module: it imports
 * nothing from the project.
 *
 * Release dates read 2026-12-07 from the Node.js Release Working Group's schedule
 * (https://github.com/nodejs/Release, README.md "Release schedule", the table schedule.json
 * mirrors): 20.x reached its end of life on 2026-04-30; 22.x is in maintenance until 2027-04-30;
 * 24.x left active LTS for maintenance on 2026-10-20 and ends 2028-04-30; 26.x is the active LTS
 * line (since 2026-10-28) until 2027-10-20, maintained until 2029-04-30.
 */

/** One LTS release line: when its support phases end (ISO dates, UTC). */
export interface NodeReleaseLine {
  readonly major: number;
  readonly codename: string;
  /** First day of maintenance (critical and security fixes only). */
  readonly maintenanceStart: string;
  /** Last day of any fix: past it, no security release comes. */
  readonly endOfLife: string;
}

/** The day the schedule below was read. */
export const NODE_SCHEDULE_READ = '2026-12-07';

export const NODE_SCHEDULE_SOURCE = 'https://github.com/nodejs/Release (README.md, Release schedule), read 2026-12-07';

/** The LTS lines this project can meet: the one its engines still accept (20) and the supported ones. */
export const NODE_LTS_LINES: readonly NodeReleaseLine[] = [
  { major: 20, codename: 'Iron', maintenanceStart: '2024-10-22', endOfLife: '2026-04-30' },
  { major: 22, codename: 'Jod', maintenanceStart: '2025-10-21', endOfLife: '2027-04-30' },
  { major: 24, codename: 'Krypton', maintenanceStart: '2026-10-20', endOfLife: '2028-04-30' },
  { major: 26, codename: 'Lithium', maintenanceStart: '2027-10-20', endOfLife: '2029-04-30' },
];

/**
 * The official Node.js image the Dockerfile's stages build on: Node 24 (maintenance LTS until
 * 2028-04-30, the longest support of the lines this project tests against), Debian 13 "trixie",
 * slim variant. Source: hub.docker.com/_/node tags, where `24.20.0-trixie-slim` is listed for
 * linux/amd64 and linux/arm64/v8 (read 2026-12-07).
 */
export const BENCH_NODE_IMAGE = 'node:24.20.0-trixie-slim';
