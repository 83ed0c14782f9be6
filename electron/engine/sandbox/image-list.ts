import type Docker from 'dockerode';
import { AGENTS, agentRecipeHash, agentTag, baseTag, imageTag, recipeHashes } from './image-recipe.js';

/** One of Paddock's images as the engine reports it. */
export interface PaddockImageRow {
  tag: string;
  id: string;
  kind: string;
  recipe: string;
  size: number;
  created: Date;
  /** True when this tag is what the current recipe builds. */
  current: boolean;
}

/** The tags the current recipe builds: base, default image, one per agent. */
export function currentTags(): { base: string; image: string; agents: Record<string, string> } {
  const h = recipeHashes();
  const agents: Record<string, string> = {};
  for (const a of AGENTS) agents[a] = agentTag(a, agentRecipeHash(a, h.image));
  return { base: baseTag(h.base), image: imageTag(h.image), agents };
}

/** Paddock's images (label paddock.kind), newest first. */
export async function listPaddockImages(docker: Docker): Promise<PaddockImageRow[]> {
  const cur = currentTags();
  const wanted = new Set([cur.base, cur.image, ...Object.values(cur.agents)]);
  const images = await docker.listImages({ filters: { label: ['paddock.kind'] } });
  const rows: PaddockImageRow[] = [];
  for (const img of images) {
    const labels = img.Labels ?? {};
    const kind = labels['paddock.agent'] ? `agent-${labels['paddock.agent']}` : (labels['paddock.kind'] ?? '?');
    const tags = (img.RepoTags ?? []).filter((t) => t !== '<none>:<none>');
    for (const tag of tags.length > 0 ? tags : ['<none>']) {
      rows.push({
        tag,
        id: img.Id,
        kind,
        recipe: labels['paddock.recipe'] ?? '',
        size: img.Size,
        created: new Date(img.Created * 1000),
        current: wanted.has(tag),
      });
    }
  }
  return rows.sort((a, b) => b.created.getTime() - a.created.getTime());
}
