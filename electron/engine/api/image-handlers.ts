import type Docker from 'dockerode';
import type { ApiHandlers } from '../../contract/index.js';
import { PaddockError } from '../errors.js';
import type { BuildProgress } from '../sandbox/image-builder.js';
import { ensureAgentImage, ensureDefaultImage } from '../sandbox/image-builder.js';
import { currentTags } from '../sandbox/image-list.js';
import { AGENTS, isAgentName } from '../sandbox/image-recipe.js';

interface ImageDeps {
  docker: () => Promise<Docker>;
  /** One line of progress for every front end (the `engine.progress` event). */
  progress: (message: string) => void;
}

/** `images.build`: what `paddock images build [--agent NAME]` does, with its progress streamed as events. */
export function imageHandlers(deps: ImageDeps): Pick<ApiHandlers, 'images.build'> {
  // A second click while a build runs joins it rather than queueing behind the build lock.
  const inFlight = new Map<string, Promise<{ tag: string; id: string; built: boolean; seconds: number }>>();
  const build = async (agent: string | undefined) => {
    if (agent !== undefined && !isAgentName(agent))
      throw new PaddockError('BAD_INPUT', `unknown agent "${agent}"; choose one of ${AGENTS.join(', ')}`);
    const tag = agent ? currentTags().agents[agent]! : currentTags().image;
    const docker = await deps.docker();
    const t0 = Date.now();
    deps.progress(`checking ${tag}`);
    const onProgress = (e: BuildProgress) => {
      if (e.type === 'step') deps.progress(`building ${tag}, step ${e.index}/${e.count}: ${e.name}`);
      else if (e.type === 'wait') deps.progress(e.line);
      else if (e.line.trim()) deps.progress(`  ${e.line.trimEnd().slice(0, 500)}`);
    };
    const res = agent
      ? await ensureAgentImage(docker, agent, { onProgress })
      : await ensureDefaultImage(docker, { onProgress });
    const seconds = Math.round((Date.now() - t0) / 100) / 10;
    deps.progress(
      res.built ? `built ${res.tag} in ${seconds}s` : `${res.tag} is up to date (nothing to build)`,
    );
    return { ...res, seconds };
  };
  return {
    'images.build': ({ agent }) => {
      const key = agent ?? '(default)';
      const running = inFlight.get(key);
      if (running) return running;
      const p = build(agent).finally(() => inFlight.delete(key));
      inFlight.set(key, p);
      return p;
    },
  };
}
