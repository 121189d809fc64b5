#!/usr/bin/env node
// Release rehearsal: what a maintainer's release would publish, checked end to end without
// touching npmjs.org. In a scratch clone of this repository's HEAD it runs `changeset version`,
// builds, packs every public package and lints each tarball (publint, arethetypeswrong, no
// tfjs-core code inside, the files and fields every package must have); then it starts a local
// verdaccio on 127.0.0.1, runs `changeset publish` against it, and in a fresh consumer project
// outside the workspace installs @convlstm/core, backend-node and train with plain npm, runs a
// forward and one training step from ESM and from CJS, and type-checks a TypeScript file under
// moduleResolution nodenext and bundler. Then a fresh Vite project (no configuration) builds a page
// with @convlstm/backend-webgpu and core, which headless Chromium opens with WebGPU and WebGL
// hidden: it must fall back to wasm, load the binaries Vite emitted, and train a few steps.
//
// Usage: node scripts/release-check.mjs [--keep]   (needs tools/release installed: npm ci there)
import { spawn, spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CHROMIUM, CHROMIUM_ARGS } from '../apps/web-demo/scripts/chromium.mjs';

const root = new URL('..', import.meta.url).pathname;
const keep = process.argv.includes('--keep');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const verdaccioBin = join(root, 'tools', 'release', 'node_modules', '.bin', 'verdaccio');
const CONSUMER_PACKAGES = ['@convlstm/core', '@convlstm/backend-node', '@convlstm/train'];
// Markers of tfjs-core's own modules (its engine and gradient registrations): none may be packed.
const TFJS_CORE_MARKERS = ['_tfengine', 'Copyright 2018 Google LLC', 'absGradConfig', 'class Engine '];

const failures = [];
const fail = (message) => {
  failures.push(message);
  console.error(`  ✗ ${message}`);
};
const ok = (message) => console.log(`  ✓ ${message}`);

function run(cmd, args, options = {}) {
  const result = spawnSync(cmd, args, { encoding: 'utf8', stdio: 'pipe', ...options });
  if (result.status !== 0 && !options.allowFailure) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} (in ${options.cwd ?? process.cwd()}) failed:\n${output}`);
  }
  return result;
}

async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

async function waitFor(url, ms) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the local registry did not answer at ${url} within ${ms / 1000} s`);
}

function publicPackages(repo) {
  return readdirSync(join(repo, 'packages'))
    .map((dir) => ({ dir: join(repo, 'packages', dir), name: dir }))
    .filter(({ dir }) => existsSync(join(dir, 'package.json')))
    .map(({ dir, name }) => ({
      dir,
      folder: name,
      json: JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')),
    }))
    .filter(({ json }) => json.private !== true);
}

function checkManifest(pkg, rootLicense) {
  const { json, folder } = pkg;
  const where = json.name;
  if (json.license !== 'MIT') fail(`${where}: license is ${json.license}, expected MIT`);
  if (json.repository?.directory !== `packages/${folder}`)
    fail(`${where}: repository.directory is ${json.repository?.directory}, expected packages/${folder}`);
  for (const field of ['homepage', 'bugs', 'description']) if (!json[field]) fail(`${where}: no ${field}`);
  if (!json.engines?.node) fail(`${where}: no engines.node`);
  if (json.publishConfig?.access !== 'public') fail(`${where}: publishConfig.access is not public`);
  for (const [peer, meta] of Object.entries(json.peerDependenciesMeta ?? {}))
    if (meta.optional && !json.peerDependencies?.[peer])
      fail(`${where}: ${peer} is in peerDependenciesMeta, not in peerDependencies`);
  for (const dep of Object.keys(json.dependencies ?? {}))
    if (dep === '@tensorflow/tfjs-core')
      fail(`${where}: @tensorflow/tfjs-core must be a peer, not a dependency`);
  const license = join(pkg.dir, 'LICENSE');
  if (!existsSync(license) || readFileSync(license, 'utf8') !== rootLicense)
    fail(`${where}: LICENSE missing or not the root LICENSE`);
}

function checkTarball(tarball, pkg, scratch) {
  const name = pkg.json.name;
  const unpacked = mkdtempSync(join(scratch, 'unpacked-'));
  run('tar', ['xzf', tarball, '-C', unpacked]);
  const files = run('tar', ['tzf', tarball]).stdout.trim().split('\n');
  for (const required of [
    'package/LICENSE',
    'package/README.md',
    'package/CHANGELOG.md',
    'package/package.json',
  ])
    if (!files.includes(required)) fail(`${name}: the tarball has no ${required.slice(8)}`);
  const stray = files.filter((f) =>
    /^package\/(test|scripts\/.*\.mjs|examples)\b|\.test\.ts$|\.map$/.test(f),
  );
  if (stray.length > 0) fail(`${name}: the tarball ships ${stray.slice(0, 5).join(', ')}`);
  const readme = readFileSync(join(unpacked, 'package', 'README.md'), 'utf8');
  const relative = [...readme.matchAll(/\]\((?!https?:|#|mailto:)([^)]*)\)/g)].map((m) => m[1]);
  if (relative.length > 0)
    fail(`${name}: README links that break on npm: ${relative.slice(0, 5).join(', ')}`);
  const packed = JSON.parse(readFileSync(join(unpacked, 'package', 'package.json'), 'utf8'));
  for (const section of ['dependencies', 'peerDependencies'])
    for (const [dep, range] of Object.entries(packed[section] ?? {}))
      if (/^(workspace|catalog):/.test(range)) fail(`${name}: ${section}.${dep} is still ${range}`);
  const markers = run(
    'grep',
    ['-rl', '-F', ...TFJS_CORE_MARKERS.flatMap((m) => ['-e', m]), join(unpacked, 'package', 'dist')],
    {
      allowFailure: true,
    },
  ).stdout.trim();
  if (markers)
    fail(
      `${name}: tfjs-core code packed in ${markers
        .split('\n')
        .map((f) => f.slice(unpacked.length + 9))
        .join(', ')}`,
    );
  const publint = run(bin('publint'), ['run', tarball, '--strict'], { allowFailure: true, cwd: root });
  if (publint.status !== 0) fail(`${name}: publint:\n${publint.stdout}${publint.stderr}`);
  // An ESM-only package (no `require` condition anywhere) is checked as one: CJS consumers import() it.
  const esmOnly = !JSON.stringify(pkg.json.exports ?? {}).includes('"require"');
  const attw = run(
    bin('attw'),
    [tarball, '--format', 'ascii', ...(esmOnly ? ['--profile', 'esm-only'] : [])],
    {
      allowFailure: true,
      cwd: root,
    },
  );
  if (attw.status !== 0) fail(`${name}: arethetypeswrong:\n${attw.stdout}${attw.stderr}`);
  const bytes = readFileSync(tarball).length;
  if (!markers && publint.status === 0 && attw.status === 0)
    ok(
      `${name}@${packed.version}: ${(bytes / 1024).toFixed(0)} kB packed, ${files.length} files; publint and arethetypeswrong pass; no tfjs-core code`,
    );
}

/**
 * A fresh Vite project installs the browser packages from the local registry, builds a page with
 * no configuration, and the page trains on the wasm fallback in headless Chromium.
 */
function viteConsumer(scratch, env) {
  console.log('== a fresh Vite project trains on the wasm fallback in headless Chromium');
  if (!existsSync(CHROMIUM)) {
    fail(`no Chromium at ${CHROMIUM} (apt-get install -y chromium): the Vite page was not checked`);
    return;
  }
  const project = join(scratch, 'vite-consumer');
  cpSync(join(root, 'scripts', 'release-rehearsal', 'vite-consumer'), project, { recursive: true });
  writeFileSync(
    join(project, 'package.json'),
    `${JSON.stringify({ name: 'vite-consumer', private: true, type: 'module' }, null, 2)}\n`,
  );
  const devDependencies = JSON.parse(
    readFileSync(join(root, 'packages', 'backend-webgpu', 'package.json'), 'utf8'),
  ).devDependencies;
  const tfjsCore = readFileSync(join(root, 'pnpm-workspace.yaml'), 'utf8').match(
    /"@tensorflow\/tfjs-core": (\S+)/,
  )?.[1];
  run(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '@convlstm/backend-webgpu',
      '@convlstm/core',
      `@tensorflow/tfjs-core@${tfjsCore}`,
      `vite@${devDependencies.vite}`,
      `playwright-core@${devDependencies['playwright-core']}`,
    ],
    { cwd: project, env },
  );
  const built = run(join(project, 'node_modules', '.bin', 'vite'), ['build'], {
    cwd: project,
    env,
    allowFailure: true,
  });
  if (built.status !== 0) {
    fail(`vite build:\n${built.stdout}${built.stderr}`);
    return;
  }
  const wasm = readdirSync(join(project, 'dist', 'assets')).filter((f) => f.endsWith('.wasm'));
  if (wasm.length !== 3)
    fail(`vite build emitted ${wasm.length} .wasm files (${wasm.join(', ')}), expected 3`);
  const page = run('node', ['check-page.mjs'], {
    cwd: project,
    env: { ...env, CONVLSTM_CHROMIUM: JSON.stringify({ path: CHROMIUM, args: CHROMIUM_ARGS }) },
    allowFailure: true,
    timeout: 180_000,
  });
  if (page.status !== 0) fail(`the Vite page in Chromium:\n${page.stdout}${page.stderr}`);
  else ok(`${page.stdout.trim()}; vite build emitted ${wasm.join(', ')}`);
}

async function main() {
  if (!existsSync(verdaccioBin))
    throw new Error('tools/release is not installed: run `npm ci --prefix tools/release` first');
  const scratch = mkdtempSync(join(tmpdir(), 'convlstm-release-'));
  const repo = join(scratch, 'repo');
  let registry = null;
  try {
    console.log(`== scratch clone of HEAD (${scratch})`);
    run('git', ['clone', '--quiet', '--no-hardlinks', root, repo]);
    // Cloned from a feature branch, the clone's one local branch is that one, and `changeset
    // status` compares with main: give it main as the source repository has it.
    if (
      run('git', ['rev-parse', '--verify', '--quiet', 'refs/heads/main'], { cwd: repo, allowFailure: true })
        .status !== 0
    )
      run('git', ['branch', 'main', 'origin/main'], { cwd: repo });
    run('pnpm', ['install', '--frozen-lockfile', '--prefer-offline'], { cwd: repo });

    console.log('== changeset status, changeset version');
    run('pnpm', ['exec', 'changeset', 'status'], { cwd: repo });
    const before = Object.fromEntries(publicPackages(repo).map((p) => [p.json.name, p.json.version]));
    run('pnpm', ['exec', 'changeset', 'version'], { cwd: repo });
    if (readdirSync(join(repo, '.changeset')).some((f) => f.endsWith('.md') && f !== 'README.md'))
      fail('changeset version left changesets behind');
    const packages = publicPackages(repo);
    for (const pkg of packages) {
      const from = before[pkg.json.name];
      const changelog = readFileSync(join(pkg.dir, 'CHANGELOG.md'), 'utf8');
      const entry = changelog.split(`\n## ${pkg.json.version}\n`)[1]?.split('\n## ')[0] ?? '';
      if (from !== pkg.json.version && entry.trim().length === 0)
        fail(`${pkg.json.name}: ${from} → ${pkg.json.version} without a CHANGELOG entry`);
      else
        ok(
          `${pkg.json.name}: ${from} → ${pkg.json.version}, CHANGELOG ${entry.split('\n').filter((l) => l.startsWith('- ')).length} entries`,
        );
    }
    run('pnpm', ['install', '--prefer-offline', '--no-frozen-lockfile'], { cwd: repo });

    console.log('== build, pack, lint every tarball');
    run('pnpm', ['exec', 'turbo', 'run', 'build', '--filter=./packages/*', '--output-logs=errors-only'], {
      cwd: repo,
    });
    const rootLicense = readFileSync(join(repo, 'LICENSE'), 'utf8');
    const tarballs = join(scratch, 'tarballs');
    mkdirSync(tarballs);
    for (const pkg of packages) {
      checkManifest(pkg, rootLicense);
      const packed = run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: pkg.dir })
        .stdout.trim()
        .split('\n')
        .pop();
      checkTarball(packed.startsWith('/') ? packed : join(tarballs, packed.split('/').pop()), pkg, scratch);
    }

    console.log('== changeset publish to a local registry');
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/`;
    const storage = join(scratch, 'registry');
    mkdirSync(storage);
    const upstream = run('npm', ['config', 'get', 'registry']).stdout.trim();
    writeFileSync(
      join(storage, 'config.yaml'),
      [
        `storage: ${join(storage, 'storage')}`,
        `auth:\n  htpasswd:\n    file: ${join(storage, 'htpasswd')}\n    max_users: 10`,
        `uplinks:\n  upstream:\n    url: ${upstream}\n    timeout: 60s`,
        // Our scope never comes from upstream: what the consumer installs is what we published.
        "packages:\n  '@convlstm/*':\n    access: $all\n    publish: $authenticated\n  '**':\n    access: $all\n    proxy: upstream",
        'log: { type: stdout, format: pretty, level: warn }',
        '',
      ].join('\n'),
    );
    registry = spawn(
      verdaccioBin,
      ['--config', join(storage, 'config.yaml'), '--listen', `127.0.0.1:${port}`],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let registryLog = '';
    registry.stdout.on('data', (d) => (registryLog += d));
    registry.stderr.on('data', (d) => (registryLog += d));
    await waitFor(`${url}-/ping`, 60_000);
    const user = await fetch(`${url}-/user/org.couchdb.user:rehearsal`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'rehearsal', password: 'rehearsal-password' }),
    });
    const { token } = await user.json();
    if (!token) throw new Error(`the local registry gave no token (HTTP ${user.status})`);
    const npmrc = join(scratch, 'npmrc');
    writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    writeFileSync(join(repo, '.npmrc'), `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
    const env = {
      ...process.env,
      npm_config_userconfig: npmrc,
      npm_config_registry: url,
      NPM_CONFIG_REGISTRY: url,
    };
    run('pnpm', ['exec', 'changeset', 'publish'], { cwd: repo, env });
    for (const pkg of packages) {
      const view = run('npm', ['view', `${pkg.json.name}@${pkg.json.version}`, 'version'], {
        env,
        allowFailure: true,
      });
      if (view.stdout.trim() !== pkg.json.version)
        fail(`${pkg.json.name}@${pkg.json.version} is not on the local registry`);
      else ok(`published ${pkg.json.name}@${pkg.json.version}`);
    }

    console.log('== a fresh consumer project installs with plain npm');
    const consumer = join(scratch, 'consumer');
    cpSync(join(root, 'scripts', 'release-rehearsal', 'consumer'), consumer, { recursive: true });
    writeFileSync(
      join(consumer, 'package.json'),
      `${JSON.stringify({ name: 'consumer', private: true }, null, 2)}\n`,
    );
    const typescript = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies
      .typescript;
    run(
      'npm',
      [
        'install',
        '--no-audit',
        '--no-fund',
        ...CONSUMER_PACKAGES,
        `typescript@${typescript}`,
        '@types/node@20',
      ],
      {
        cwd: consumer,
        env,
      },
    );
    // Then every other public package, so that every entry point of every package is loaded once.
    const others = packages.map((p) => p.json.name).filter((n) => !CONSUMER_PACKAGES.includes(n));
    run('npm', ['install', '--no-audit', '--no-fund', ...others], { cwd: consumer, env });
    for (const [label, file] of [
      ['ESM', 'esm.mjs'],
      ['CJS', 'cjs.cjs'],
      ['every entry point', 'load-all.mjs'],
    ]) {
      const result = run('node', [file], { cwd: consumer, env, allowFailure: true });
      const lines = `${result.stdout}`
        .trim()
        .split('\n')
        .filter((l) => /^(esm|cjs|load):/.test(l));
      if (result.status !== 0) fail(`${label} consumer failed:\n${result.stdout}${result.stderr}`);
      else ok(`${label}: ${lines.join(' | ')}`);
    }
    for (const resolution of ['nodenext', 'bundler']) {
      const result = run(
        join(consumer, 'node_modules', '.bin', 'tsc'),
        ['-p', `tsconfig.${resolution}.json`],
        {
          cwd: consumer,
          allowFailure: true,
        },
      );
      if (result.status !== 0)
        fail(`TypeScript (moduleResolution ${resolution}):\n${result.stdout}${result.stderr}`);
      else ok(`TypeScript strict, moduleResolution ${resolution}: the consumer file type-checks`);
    }
    viteConsumer(scratch, env);
    if (failures.length > 0 && registryLog) console.error(registryLog.split('\n').slice(-20).join('\n'));
  } finally {
    registry?.kill();
    if (keep) console.log(`kept ${scratch}`);
    else rmSync(scratch, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.error(`\nrelease check: ${failures.length} problem(s)`);
    process.exit(1);
  }
  console.log('\nrelease check: every package is ready to publish');
}

main().catch((error) => {
  console.error(`release check failed: ${error.message}`);
  process.exit(1);
});
