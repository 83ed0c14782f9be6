import type Docker from 'dockerode';
import { cpus, totalmem } from 'node:os';
import type { OwnerIdentity } from './owner.js';
import { ownerLabels } from './owner.js';
import type { PreparedWorkspace } from './workspace.js';

export const WORKSPACE = '/workspace';
export const AGENT_HOME = '/home/agent';
export const AGENT_UID = 1000;

export interface SandboxLimits {
  /** Bytes of memory (swap is not granted on top). */
  memory: number;
  /** CPUs, fractional allowed. */
  cpus: number;
  pids: number;
  /** Size of /tmp and of the agent's home, e.g. "512m". */
  tmpfsSize: string;
}

export function defaultLimits(): SandboxLimits {
  const gib = 1024 ** 3;
  return {
    memory: Math.min(4 * gib, Math.max(gib / 2, Math.floor(totalmem() / 2))),
    cpus: Math.max(1, cpus().length),
    pids: 512,
    tmpfsSize: '512m',
  };
}

/**
 * Who the sandboxed program runs as: uid 1000 (`agent` in Paddock's image), unless the repo
 * belongs to another non-root user, whose uid:gid is used so files written in /workspace stay
 * theirs and their files stay writable. Never root.
 */
export function sandboxUser(repoOwner: { uid: number; gid: number }): { uid: number; gid: number } {
  if (repoOwner.uid > 0 && repoOwner.gid > 0) return { uid: repoOwner.uid, gid: repoOwner.gid };
  return { uid: AGENT_UID, gid: AGENT_UID };
}

export interface SandboxSpecInput {
  sessionId: string;
  user?: { uid: number; gid: number };
  image: string;
  command: string[];
  tty: boolean;
  workspace: PreparedWorkspace;
  emptyFile: string;
  owner: OwnerIdentity;
  limits: SandboxLimits;
  env?: Record<string, string>;
  /** Docker network to join (the session's internal egress network), or 'none'. */
  network?: string;
  /** DNS servers for the container (the session gateway's refuser). */
  dns?: string[];
  sysctls?: Record<string, string>;
  /** Host files/directories mounted read-only outside the repo (e.g. the gate's agent settings). */
  readOnlyMounts?: { source: string; target: string }[];
  /** The terminal type of a TTY session's front end (TERM in the container); xterm-256color when not given. */
  term?: string;
  /** Initial terminal size; engines with API ≥ 1.42 start the pty at it (older ones wait for a resize). */
  consoleSize?: { cols: number; rows: number };
}

export const LABEL = {
  managed: 'paddock.managed',
  session: 'paddock.session',
} as const;

/**
 * The hardened container for one session. Pure: everything it needs comes in, so the hardening
 * is unit-tested as data and reviewed in one place.
 */
export function buildContainerSpec(input: SandboxSpecInput): Docker.ContainerCreateOptions {
  const { workspace: ws, limits } = input;
  const mounts: Docker.MountSettings[] = [{ Type: 'bind', Source: ws.repo, Target: WORKSPACE, ReadOnly: false }];
  // .git is mounted on itself so that it is a mount point the agent cannot rename away from under
  // the read-only hooks/config mounts (rename(2) of a mount point fails with EBUSY).
  if (ws.gitDir) mounts.push(bind(ws.repo, '.git', false));
  for (const rel of sortByDepth(ws.protected)) mounts.push(bind(ws.repo, rel, true));
  for (const rel of ws.masked) {
    mounts.push({ Type: 'bind', Source: input.emptyFile, Target: `${WORKSPACE}/${rel}`, ReadOnly: true });
  }
  for (const m of input.readOnlyMounts ?? []) mounts.push({ Type: 'bind', Source: m.source, Target: m.target, ReadOnly: true });

  const user = input.user ?? { uid: AGENT_UID, gid: AGENT_UID };
  const tmpfsOpts = `rw,nosuid,nodev,size=${limits.tmpfsSize}`;
  const env = {
    LANG: 'C.UTF-8',
    TERM: input.tty ? input.term || 'xterm-256color' : 'dumb',
    ...input.env,
    HOME: AGENT_HOME,
    USER: 'agent',
    PADDOCK_SESSION: input.sessionId,
  };

  return {
    name: `paddock-${input.sessionId}`,
    Image: input.image,
    Cmd: input.command,
    Entrypoint: [],
    WorkingDir: WORKSPACE,
    User: `${user.uid}:${user.gid}`,
    Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
    Tty: input.tty,
    OpenStdin: true,
    // Without a TTY, the engine closes the program's stdin (not our output) when ours ends; with
    // a TTY it would close the output too, so a terminal session never sends EOF (Ctrl-D is a byte).
    StdinOnce: !input.tty,
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    Labels: { [LABEL.managed]: '1', [LABEL.session]: input.sessionId, ...ownerLabels(input.owner) },
    HostConfig: {
      Mounts: mounts,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Privileged: false,
      ReadonlyRootfs: true,
      Tmpfs: {
        '/tmp': `${tmpfsOpts},mode=1777`,
        '/var/tmp': `${tmpfsOpts},mode=1777`,
        [AGENT_HOME]: `${tmpfsOpts},mode=0700,uid=${user.uid},gid=${user.gid}`,
      },
      Memory: limits.memory,
      MemorySwap: limits.memory,
      NanoCpus: Math.round(limits.cpus * 1e9),
      PidsLimit: limits.pids,
      Init: true,
      IpcMode: 'private',
      NetworkMode: input.network ?? 'none',
      ...(input.dns ? { Dns: input.dns } : {}),
      ...(input.sysctls ? { Sysctls: input.sysctls } : {}),
      ...(input.tty && input.consoleSize ? { ConsoleSize: [input.consoleSize.rows, input.consoleSize.cols] } : {}),
      AutoRemove: false,
    },
  };
}

function bind(repo: string, rel: string, readOnly: boolean): Docker.MountSettings {
  return { Type: 'bind', Source: `${repo}/${rel}`, Target: `${WORKSPACE}/${rel}`, ReadOnly: readOnly };
}

/** Parents before children, so a nested read-only mount is not hidden by its parent's mount. */
function sortByDepth(paths: readonly string[]): string[] {
  return [...paths].sort((a, b) => a.split('/').length - b.split('/').length || a.localeCompare(b));
}
