// `npm start`: the built server (dist/server.js), rebuilt first when src/ changed since the last
// build or there is none (a fresh clone whose install skipped scripts, a `git pull`, an edit).
// Checking costs a few milliseconds; a build, about a second.
import { build, isBuildCurrent } from './build.mjs';

if (!(await isBuildCurrent())) {
  const started = performance.now();
  // Without the PGlite snapshot (seconds): an empty PGLITE_DIR then takes the full path, as it
  // would have anyway; `npm run build` makes the snapshot.
  const { files } = await build({ snapshot: false });
  console.log(`Built ${files} files into dist/ in ${Math.round(performance.now() - started)} ms`);
}
await import('../dist/server.js');
