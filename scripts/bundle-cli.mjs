#!/usr/bin/env node
// Bundle the `paddock` CLI into out/cli with esbuild: one parse instead of hundreds of module
// resolutions, which is most of a short session's overhead (see bench/launch and ADR 0001).
import { build } from 'esbuild';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';

// Chunk names carry content hashes: start clean so stale chunks do not pile up.
rmSync('out/cli', { recursive: true, force: true });

await build({
  entryPoints: { main: 'electron/cli/main.ts' },
  outdir: 'out/cli',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minify: true,
  sourcemap: 'linked',
  // ssh2 (native, only for ssh:// engines) loads on first use; BuildKit's gRPC is never used.
  external: ['ssh2', 'cpu-features', 'tar-fs', '@balena/dockerignore'],
  plugins: [
    {
      name: 'paddock-lazy-deps',
      setup(b) {
        b.onResolve({ filter: /^ssh2$/ }, (args) =>
          args.importer.endsWith('lazy-ssh2.cjs') ? { path: 'ssh2', external: true } : { path: new URL('./lazy-ssh2.cjs', import.meta.url).pathname },
        );
        // dockerode's directory build contexts (tar-fs, .dockerignore) load on first use too.
        const lazyBuild = new URL('./lazy-dockerode-build.cjs', import.meta.url).pathname;
        b.onResolve({ filter: /^(tar-fs|@balena\/dockerignore)$/ }, (args) =>
          args.importer === lazyBuild ? { path: args.path, external: true } : { path: new URL(`./lazy-${args.path === 'tar-fs' ? 'tar-fs' : 'dockerignore'}.cjs`, import.meta.url).pathname },
        );
        b.onResolve({ filter: /^(@grpc\/grpc-js|@grpc\/proto-loader|protobufjs)$/ }, () => ({ path: new URL('./unavailable-in-cli.cjs', import.meta.url).pathname }));
      },
    },
  ],
  banner: { js: "import { createRequire as __paddockRequire } from 'node:module'; const require = __paddockRequire(import.meta.url);" },
  logLevel: 'warning',
});

// The build id: a hash of the bundle, the launcher and the thin client. The warm engine (`paddock engine`)
// declines a client of another build, which then runs its session in-process (ADR 0008).
const id = createHash('sha256');
for (const f of readdirSync('out/cli').filter((n) => n.endsWith('.js')).sort()) id.update(f).update(readFileSync(`out/cli/${f}`));
for (const f of ['bin/paddock', 'bin/paddock.js', 'bin/engine-client.js']) id.update(f).update(readFileSync(f));
writeFileSync('out/cli/build-id', `${id.digest('hex').slice(0, 16)}\n`);
