import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../engine/errors.js';
import { paddockHome } from '../../engine/paths.js';
import { connectEngine } from '../../engine/sandbox/docker-client.js';
import { imageTag, recipeHash } from '../../engine/sandbox/image-recipe.js';
import { packageRoot } from '../package-root.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

export async function doctor(flags: { fix?: boolean; json?: boolean }): Promise<void> {
  if (flags.fix) fixEngine();
  const checks = await runChecks();
  const image = checks.find((c) => c.name === 'default image');
  if (flags.fix && image && !image.ok && checks[0]?.ok) {
    const { connectEngine: connect } = await import('../../engine/sandbox/docker-client.js');
    const { ensureDefaultImage } = await import('../../engine/sandbox/image-builder.js');
    const { docker } = await connect();
    await ensureDefaultImage(docker, {
      onProgress: (e) =>
        e.type === 'step' &&
        process.stderr.write(`paddock: building image, step ${e.index}/${e.count}: ${e.name}\n`),
    });
    Object.assign(image, { ok: true, detail: `${image.detail.split(' ')[0]} built` });
  }
  if (flags.json) process.stdout.write(`${JSON.stringify(checks, null, 2)}\n`);
  else
    for (const c of checks)
      process.stdout.write(
        `${c.ok ? 'ok  ' : 'FAIL'}  ${c.name}: ${c.detail}${!c.ok && c.fix ? `\n      → ${c.fix}` : ''}\n`,
      );
  process.exitCode = checks.every((c) => c.ok) ? 0 : 1;
}

function fixEngine(): void {
  const script = join(packageRoot(), 'scripts', 'ensure-engine.sh');
  const r = spawnSync('bash', [script], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) process.stderr.write('paddock: could not get an engine running (see above)\n');
}

async function runChecks(): Promise<Check[]> {
  const checks: Check[] = [];
  let engine: Awaited<ReturnType<typeof connectEngine>> | null = null;
  try {
    engine = await connectEngine();
    const v = await engine.docker.version();
    const info = (await engine.docker.info()) as {
      SecurityOptions?: string[];
      CgroupVersion?: string;
      Driver?: string;
    };
    const rootless = info.SecurityOptions?.some((s) => s.includes('rootless')) ? ', rootless' : '';
    checks.push({
      name: 'engine',
      ok: true,
      detail: `${engine.host} — ${v.Version} (API ${v.ApiVersion}, ${v.Os}/${v.Arch}, cgroup v${info.CgroupVersion ?? '?'}, ${info.Driver ?? '?'}${rootless})`,
    });
  } catch (e) {
    checks.push({
      name: 'engine',
      ok: false,
      detail: errorMessage(e),
      fix: '`paddock doctor --fix` (Linux + apt + root), or start Docker/Podman and set DOCKER_HOST',
    });
  }

  const tag = imageTag(recipeHash());
  if (engine) {
    const present = await engine.docker
      .getImage(tag)
      .inspect()
      .then(
        () => true,
        () => false,
      );
    checks.push(
      present
        ? { name: 'default image', ok: true, detail: `${tag} present` }
        : {
            name: 'default image',
            ok: false,
            detail: `${tag} not built yet`,
            fix: '`paddock images build` (builds offline from Debian packages), or pass --image to `paddock run`',
          },
    );
  } else {
    checks.push({
      name: 'default image',
      ok: false,
      detail: `${tag}: unknown (no engine)`,
      fix: 'fix the engine first',
    });
  }

  const mm = spawnSync('mmdebstrap', ['--version'], { encoding: 'utf8' });
  checks.push(
    mm.status === 0
      ? { name: 'image builder', ok: true, detail: mm.stdout.trim() }
      : {
          name: 'image builder',
          ok: checks[1]?.ok ?? false,
          detail: 'mmdebstrap not installed (needed only to build the default image)',
          fix: 'apt-get install mmdebstrap (`paddock images build` does it when root)',
        },
  );

  const home = paddockHome();
  try {
    mkdirSync(home, { recursive: true });
    accessSync(home, constants.W_OK);
    checks.push({ name: 'data directory', ok: true, detail: home });
  } catch (e) {
    checks.push({
      name: 'data directory',
      ok: false,
      detail: `${home}: ${errorMessage(e)}`,
      fix: 'set PADDOCK_HOME to a writable directory',
    });
  }
  return checks;
}
