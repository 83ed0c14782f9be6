import { chmodSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PaddockError } from '../errors.js';
import { AGENT_DOCKERFILE, fillTemplate } from './image-dockerfiles.js';
import { AGENT_RECIPES, IMAGE_RECIPE, type AgentName } from './image-recipe.js';
import { type LogFn, runLogged } from './image-steps.js';

/**
 * Staging an agent layer: the agent's npm packages installed by the host's npm into
 * `<dir>/pkg` (linux/x64/glibc, install scripts never run on the host), checked for the
 * platform binaries the recipe needs, and the layer's Dockerfile.
 */
export async function stageAgent(agent: AgentName, dir: string, log: LogFn): Promise<void> {
  const recipe = AGENT_RECIPES[agent];
  const prefix = join(dir, 'pkg');
  mkdirSync(prefix, { recursive: true });
  const specs = recipe.packages.map((p) => `${p.name}@${p.version}`);
  // The host's npm, for linux/x64/glibc, never running install scripts on the host.
  const args = ['install', '--prefix', prefix, '--omit=dev', '--os=linux', '--cpu=x64', '--libc=glibc'];
  args.push('--ignore-scripts', '--no-audit', '--no-fund', '--no-update-notifier', ...specs);
  log(`npm ${args.join(' ')}`);
  await runLogged('npm', args, log, `npm install ${specs.join(' ')}`);
  for (const f of recipe.requires) {
    if (!existsSync(join(prefix, f))) {
      throw new PaddockError(
        'IMAGE_BUILD_FAILED',
        `npm installed ${specs.join(' ')} but ${f} is missing (the linux x64 platform package did not install). ` +
          'Check that your npm honours --os/--cpu (npm >= 10) and that optional dependencies are not disabled.',
      );
    }
  }
}

export function agentDockerfile(agent: AgentName, dir: string, image: string, hash: string): string {
  const recipe = AGENT_RECIPES[agent];
  const bin = `/usr/local/bin/${recipe.bin}`;
  let binStep: string;
  if (recipe.launcher.kind === 'link') {
    binStep = `RUN ln -sf ${recipe.launcher.target} ${bin}`;
  } else {
    writeFileSync(join(dir, 'launcher'), recipe.launcher.text);
    chmodSync(join(dir, 'launcher'), 0o755);
    binStep = `COPY --chown=0:0 launcher ${bin}`;
  }
  return fillTemplate(AGENT_DOCKERFILE, {
    IMAGE: image,
    DEST: `${IMAGE_RECIPE.agentsRoot}/${agent}`,
    BIN_STEP: binStep,
    UID: IMAGE_RECIPE.user.uid,
    GID: IMAGE_RECIPE.user.gid,
    SMOKE: recipe.smoke,
    AGENT: agent,
    RECIPE: hash,
  });
}
