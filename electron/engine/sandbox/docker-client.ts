import Docker from 'dockerode';
import { existsSync } from 'node:fs';
import { PaddockError, errorMessage } from '../errors.js';

export interface EngineEndpoint {
  /** What we connected to, as a DOCKER_HOST-style string. */
  host: string;
  docker: Docker;
}

/** Candidate sockets in the order the bootstrap script checks them. */
export function candidateHosts(env: NodeJS.ProcessEnv = process.env): string[] {
  const out: string[] = [];
  if (env.DOCKER_HOST) out.push(env.DOCKER_HOST);
  out.push('unix:///var/run/docker.sock');
  if (env.XDG_RUNTIME_DIR) {
    out.push(`unix://${env.XDG_RUNTIME_DIR}/podman/podman.sock`, `unix://${env.XDG_RUNTIME_DIR}/docker.sock`);
  }
  out.push('unix:///run/podman/podman.sock');
  return [...new Set(out)];
}

export function dockerFor(host: string): Docker {
  if (host.startsWith('unix://')) return new Docker({ socketPath: host.slice('unix://'.length) });
  if (host.startsWith('npipe://')) return new Docker({ socketPath: host.slice('npipe://'.length) });
  const url = new URL(host.replace(/^tcp:/, 'http:'));
  return new Docker({ host: url.hostname, port: Number(url.port || 2375), protocol: 'http' });
}

/** Connect to the first engine that answers a ping, or fail with what to do next. */
export async function connectEngine(env: NodeJS.ProcessEnv = process.env): Promise<EngineEndpoint> {
  const tried: string[] = [];
  for (const host of candidateHosts(env)) {
    if (host.startsWith('unix://') && !existsSync(host.slice('unix://'.length))) {
      tried.push(`${host} (no socket)`);
      continue;
    }
    const docker = dockerFor(host);
    try {
      await withTimeout(docker.ping(), 5000, 'ping timed out');
      return { host, docker };
    } catch (e) {
      tried.push(`${host} (${errorMessage(e)})`);
    }
  }
  throw new PaddockError(
    'ENGINE_UNREACHABLE',
    `no Docker-API engine answers (tried ${tried.join('; ')}). Run \`paddock doctor --fix\` ` +
      '(Linux + apt + root installs and starts one), or start Docker/Podman and set DOCKER_HOST.',
  );
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(what)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
