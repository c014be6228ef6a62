// Bundles the pages' scripts with esbuild into dist/, which the Go binary
// embeds. Run by `make ui` (npm ci && npm run build).
import { build } from 'esbuild';
import { copyFile } from 'node:fs/promises';

await build({
  entryPoints: { map: 'src/map.js', dashboard: 'src/dashboard.js', playground: 'src/playground.js' },
  bundle: true,
  minify: true,
  sourcemap: false,
  format: 'iife',
  target: ['es2020'],
  outdir: 'dist',
  legalComments: 'external',
  logLevel: 'info',
  // React picks its production build by this.
  define: { 'process.env.NODE_ENV': '"production"' },
});
await copyFile('src/style.css', 'dist/style.css');
