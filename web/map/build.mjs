// Bundles the pages' scripts with esbuild into dist/, which the Go binary
// embeds. Run by `make ui` (npm ci && npm run build).
import { build } from 'esbuild';
import { copyFile } from 'node:fs/promises';

await build({
  entryPoints: { map: 'src/map.js', dashboard: 'src/dashboard.js' },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  outdir: 'dist',
  legalComments: 'external',
  logLevel: 'info',
});
await copyFile('src/style.css', 'dist/style.css');
