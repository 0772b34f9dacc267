export { type CliOptions, parseCli, USAGE } from './cli.js';
export { ensureFixture, type Fixture, loadFixture } from './fixture.js';
export { frameKey, PROBE_BYTES } from './identity.js';
export { type ProcSample, processTree, sampleTree } from './proc.js';
export { machine, machineLines, table } from './report.js';
export {
  autoThreads,
  BUSY_LIMIT,
  type ProtocolChoice,
  percentile,
  type RunOptions,
  type RunResult,
  runOne,
} from './run.js';
export { availability, type ServerKind, type ServerSpec, startServer, supportsHttpFlv } from './servers.js';
export type { PlayerResult, Protocol } from './types.js';
