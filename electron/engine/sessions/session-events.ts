import type { RepoChanges } from './repo-changes.js';

/**
 * The session events interface: the engine emits, subscribers (journal, UI, telemetry, the
 * CLI's --verbose line) listen. Data flows one way; a subscriber never reaches back.
 *
 * Other parts add their own event kinds by extending `SessionEventMap` through declaration
 * merging in their own module, so this file never becomes the list of everything.
 */
export interface SessionEventMap {
  /** Before the program starts: who started what, where (the journal opens here). */
  'session.created': {
    repo: string;
    image: string;
    imageDigest: string | null;
    agent: string;
    command: string[];
    user: string;
    host: string;
    sandboxUser: string;
    protectedPaths: string[];
    maskedFiles: string[];
    limits: { memory: number; cpus: number; pids: number };
    policy: { fingerprint: string; layers: string[] } | null;
    network: string;
    /** The repo's commit when the session started (null outside git). */
    commit: string | null;
  };
  /** A policy file changed mid-session: the new network rules are in force (ok) or the old ones stay (error). */
  'policy.reloaded': { ok: boolean; fingerprint?: string; error?: string; note?: string };
  /** At the end: every path changed since the start commit, and the diff of tracked files. */
  'file.changes': RepoChanges;
  'session.started': {
    repo: string;
    image: string;
    imageDigest: string | null;
    command: string[];
    containerId: string;
  };
  'session.ended': { exitCode: number | null; reason: SessionEndReason; message?: string };
  'container.lifecycle': {
    containerId: string;
    state: 'created' | 'started' | 'stopped' | 'removed' | 'oom' | 'killed';
  };
  'terminal.output': { data: string; stream?: 'stdout' | 'stderr' };
  'terminal.input': { data: string };
  'terminal.resize': { cols: number; rows: number };
  'session.error': { code: string; message: string };
  /** The container was frozen (`docker pause`) or thawed, and by whom. */
  'session.paused': { by: string };
  'session.resumed': { by: string };
}

export type SessionEndReason =
  'exited' | 'oom' | 'killed' | 'timeout' | 'aborted' | 'engine-lost' | 'interrupted' | 'error';

export type SessionEventKind = keyof SessionEventMap;

export interface SessionEvent<K extends SessionEventKind = SessionEventKind> {
  sessionId: string;
  kind: K;
  /** Milliseconds since the epoch. */
  time: number;
  data: SessionEventMap[K];
}

export type SessionEventListener = (event: SessionEvent) => void;

export interface SessionEventSink {
  emit<K extends SessionEventKind>(sessionId: string, kind: K, data: SessionEventMap[K]): void;
}

/** Synchronous fan-out. A listener that throws is isolated and reported, never breaks emitters. */
export class SessionEventBus implements SessionEventSink {
  private readonly listeners = new Set<SessionEventListener>();

  constructor(private readonly onListenerError: (e: unknown) => void = () => {}) {}

  subscribe(listener: SessionEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit<K extends SessionEventKind>(sessionId: string, kind: K, data: SessionEventMap[K]): void {
    const event = { sessionId, kind, time: Date.now(), data } as SessionEvent;
    for (const l of this.listeners) {
      try {
        l(event);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }
}
