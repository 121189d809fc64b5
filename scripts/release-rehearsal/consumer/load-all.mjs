// Loads every entry point of every installed @convlstm package the way Node resolves it for a
// consumer: `import` where the entry has an import condition, `require` where it has a require
// condition. A build that type-checks but cannot load (a CJS file requiring an ESM-only
// dependency, a missing file) fails here. The browser package (backend-webgpu) too: it must
// import in Node (tests, server-side rendering).
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(join(process.cwd(), 'package.json'));
const scope = join(process.cwd(), 'node_modules', '@convlstm');
const loaded = [];
for (const dir of readdirSync(scope).sort()) {
  const pkg = JSON.parse(readFileSync(join(scope, dir, 'package.json'), 'utf8'));
  for (const [subpath, target] of Object.entries(pkg.exports ?? {})) {
    if (typeof target !== 'object') continue;
    const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`;
    if (target.import) {
      await import(specifier);
      loaded.push(`${specifier} (import)`);
    }
    if (target.require) {
      require(specifier);
      loaded.push(`${specifier} (require)`);
    }
  }
}
console.log(`load: ${loaded.length} entry points load (${loaded.join(', ')})`);
