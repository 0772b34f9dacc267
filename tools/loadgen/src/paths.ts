/** Where things are: the repository root and the tool's gitignored cache (from src/ or dist/ alike). */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = resolve(here, '..');
export const repoRoot = resolve(packageDir, '../..');
export const cacheDir = process.env.LIVEGO_LOADGEN_CACHE ?? resolve(packageDir, '.cache');
