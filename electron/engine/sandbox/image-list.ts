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

/** What `paddock images prune` did (or would do) with one image tag. */
export interface PruneRow {
  tag: string;
  id: string;
  kind: string;
  recipe: string;
  size: number;
  /** `removed`, `would remove` (dry run) or `kept: <why>`. */
  outcome: string;
}

/** Children before parents: agent layers, then the default image, then the Debian base. */
function pruneOrder(kind: string): number {
  if (kind.startsWith('agent-')) return 0;
  if (kind === 'agent') return 1;
  return 2;
}

/**
 * Remove Paddock's images that the current recipe no longer builds (left behind by recipe
 * changes and upgrades). Never forced: an image a container still uses is kept and said so.
 * `only` narrows the candidates (tests use it to touch only their own images).
 */
export async function prunePaddockImages(
  docker: Docker,
  opts: { dryRun?: boolean; only?: (row: PaddockImageRow) => boolean } = {},
): Promise<PruneRow[]> {
  const rows = await listPaddockImages(docker);
  const candidates = rows
    .filter((r) => !r.current && (opts.only?.(r) ?? true))
    .sort((a, b) => pruneOrder(a.kind) - pruneOrder(b.kind));
  const out: PruneRow[] = [];
  for (const r of candidates) {
    const row = { tag: r.tag, id: r.id, kind: r.kind, recipe: r.recipe, size: r.size };
    if (opts.dryRun) {
      out.push({ ...row, outcome: 'would remove' });
      continue;
    }
    try {
      // By tag: an image that also carries a current tag is only untagged.
      await docker.getImage(r.tag === '<none>' ? r.id : r.tag).remove();
      out.push({ ...row, outcome: 'removed' });
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      const why = /container/i.test(msg) ? 'a container uses it' : /child/i.test(msg) ? 'other images are built on it' : msg.split('\n')[0];
      out.push({ ...row, outcome: `kept: ${why}` });
    }
  }
  return out;
}
