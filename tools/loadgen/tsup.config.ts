import { packageBuild } from '../../tsup.shared.js';

// The worker is its own entry: players run in worker threads started from dist/worker.js.
export default packageBuild('node', ['src/index.ts', 'src/bin.ts', 'src/worker.ts']);
