import { packageBuild } from '../../tsup.shared.js';

// The workers are entries of their own: players and HLS clients run in threads started from dist/.
export default packageBuild('node', [
  'src/index.ts',
  'src/bin.ts',
  'src/worker.ts',
  'src/hls-worker.ts',
  'src/idle.ts',
]);
