import type { EngineStatus } from '../../contract/index.js';
import { errorMessage } from '../errors.js';
import type { EngineEndpoint } from '../sandbox/docker-client.js';
import { withTimeout } from '../sandbox/docker-client.js';
import { currentTags, listPaddockImages } from '../sandbox/image-list.js';

/** What Settings shows: the engine, Paddock's images (built or not) and the data directory. */
export async function engineStatus(s: { endpoint: EngineEndpoint | null; error: string | null; home: string; running: number }): Promise<EngineStatus> {
  const tags = currentTags();
  const tag = tags.image;
  const agentImages = (built: (t: string) => boolean) => Object.entries(tags.agents).map(([agent, t]) => ({ agent, tag: t, built: built(t) }));
  const base: EngineStatus = { connected: false, host: null, version: null, error: s.error, dataDir: s.home, defaultImage: { tag, built: false }, images: [], agentImages: agentImages(() => false), running: s.running };
  if (!s.endpoint) return base;
  try {
    const [version, images] = await Promise.all([withTimeout(s.endpoint.docker.version(), 5000, 'the engine did not answer within 5 s'), listPaddockImages(s.endpoint.docker)]);
    return {
      ...base,
      connected: true,
      host: s.endpoint.host,
      version: `${version.Components?.[0]?.Name ?? 'Engine'} ${version.Version}`,
      error: null,
      defaultImage: { tag, built: images.some((i) => i.tag === tag) },
      images: images.map((i) => ({ tag: i.tag, kind: i.kind, size: i.size, created: i.created.toISOString(), current: i.current })),
      agentImages: agentImages((t) => images.some((i) => i.tag === t)),
    };
  } catch (e) {
    return { ...base, host: s.endpoint.host, error: `the engine at ${s.endpoint.host} does not answer: ${errorMessage(e)}` };
  }
}
