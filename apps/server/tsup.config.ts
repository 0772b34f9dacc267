import { packageBuild } from '../../tsup.shared.js';

export default packageBuild('node', ['src/index.ts', 'src/bin.ts', 'src/worker.ts']);
