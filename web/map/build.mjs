// Bundles the pages' scripts with esbuild into dist/, which the Go binary
// embeds. Run by `make ui` (npm ci && npm run build).
import { build } from 'esbuild';
import { copyFile, readFile, writeFile } from 'node:fs/promises';

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

// GraphiQL's styles inline Roboto and Fira Code in every script's
// subset, 360 KB of fonts that compression cannot shrink: the playground
// uses the system's fonts instead (playground.css).
const css = await readFile('dist/playground.css', 'utf8');
await writeFile('dist/playground.css', css.replace(/@font-face\{[^}]*\}/g, ''));
