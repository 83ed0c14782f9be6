import { useCallback, useEffect, useRef, useState } from 'react';
import type { ExportFormat, ReplayEvents, Screen, SearchHit } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';
import { useClient } from '../api/client-context.js';
import { commandText, download, formatOffset } from '../components/format.js';
import { ErrorState, Loading, StateBadge } from '../components/states.js';
import type { TerminalLike } from '../components/terminal-view.js';
import { TerminalView } from '../components/terminal-view.js';
import { useQuery } from '../hooks/use-query.js';
import { href } from '../router.js';
import { Timeline } from './timeline.js';

const SPEEDS = [1, 2, 4, 8];
const EXPORTS: Array<{ format: ExportFormat; label: string }> = [
  { format: 'html', label: 'HTML report' },
  { format: 'cast', label: 'Asciicast' },
  { format: 'jsonl', label: 'Bundle (JSONL)' },
];

export function ReplayScreen({ id }: { id: string }) {
  const client = useClient();
  const session = useQuery(() => client.call('sessions.get', { id }), `session:${id}`);
  const events = useQuery(() => client.call('replay.events', { id, from: 0, to: Number.MAX_SAFE_INTEGER, notable: true }), `replay:${id}`);
  const error = session.error ?? events.error;
  if (error) return <ErrorState error={error} retry={() => (session.refetch(), events.refetch())} />;
  if (!session.data || !events.data) return <Loading what="the recording" />;
  const s = session.data;
  return (
    <section className="screen screen-replay" aria-labelledby="replay-title">
      <header className="screen-header">
        <div className="min0">
          <p className="crumbs">
            <a href={href({ name: 'sessions' })}>Sessions</a> / <span className="mono">{s.id}</span> / replay
          </p>
          <h1 id="replay-title" className="mono truncate">
            {commandText(s.command)}
          </h1>
          <p className="meta">
            <StateBadge state={s.state} exitCode={s.exitCode} /> <span className="mono">{s.repo}</span> · {events.data.count} journal records
          </p>
        </div>
        <ExportButtons id={s.id} />
      </header>
      <Player id={s.id} rec={events.data} />
    </section>
  );
}

function ExportButtons({ id }: { id: string }) {
  const client = useClient();
  const [busy, setBusy] = useState<ExportFormat | null>(null);
  const [error, setError] = useState<string | null>(null);
  const run = async (format: ExportFormat) => {
    setBusy(format);
    setError(null);
    try {
      const f = await client.call('export.session', { id, format });
      download(f.filename, f.mime, f.content);
    } catch (e) {
      setError(e instanceof ApiCallError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(null);
    }
  };
  return (
    <div className="actions" role="group" aria-label="Export">
      {EXPORTS.map((x) => (
        <button key={x.format} type="button" className="btn" disabled={busy !== null} onClick={() => void run(x.format)}>
          {busy === x.format ? 'Exporting…' : `Export ${x.label}`}
        </button>
      ))}
      {error ? (
        <span className="inline-error" role="alert">
          {error}
        </span>
      ) : null}
    </div>
  );
}

function Player({ id, rec }: { id: string; rec: ReplayEvents }) {
  const client = useClient();
  const [t, setT] = useState(rec.endTime);
  const [screen, setScreen] = useState<Screen | null>(null);
  const [playing, setPlaying] = useState(false);
  const [speed, setSpeed] = useState(1);
  const [error, setError] = useState<ApiCallError | null>(null);
  const term = useRef<TerminalLike | null>(null);
  const wanted = useRef(t);
  const inFlight = useRef(false);

  const paint = useCallback((s: Screen) => {
    const x = term.current;
    if (!x) return;
    x.reset();
    x.resize(s.cols, s.rows);
    x.write(s.ansi);
  }, []);

  // One request at a time; the latest wanted time wins.
  const fetchScreen = useCallback(() => {
    if (inFlight.current) return;
    inFlight.current = true;
    const at = wanted.current;
    client.call('replay.screenAt', { id, t: at }).then(
      (s) => {
        inFlight.current = false;
        setScreen(s);
        paint(s);
        if (wanted.current !== at) fetchScreen();
      },
      (e: unknown) => {
        inFlight.current = false;
        setError(e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', String(e)));
      },
    );
  }, [client, id, paint]);

  const seek = useCallback(
    (to: number) => {
      const clamped = Math.min(rec.endTime, Math.max(rec.startTime, to));
      wanted.current = clamped;
      setT(clamped);
      fetchScreen();
    },
    [rec.startTime, rec.endTime, fetchScreen],
  );

  useEffect(() => {
    if (!playing) return;
    const step = 100;
    const timer = setInterval(() => {
      const next = Math.min(rec.endTime, wanted.current + step * speed);
      seek(next);
      if (next >= rec.endTime) setPlaying(false);
    }, step);
    return () => clearInterval(timer);
  }, [playing, speed, rec.endTime, seek]);

  const onReady = useCallback(
    (x: TerminalLike) => {
      term.current = x;
      fetchScreen();
      return () => {
        term.current = null;
      };
    },
    [fetchScreen],
  );

  const togglePlay = () => {
    if (!playing && wanted.current >= rec.endTime) seek(rec.startTime);
    setPlaying((p) => !p);
  };

  return (
    <div className="replay-grid">
      <div className="replay-main">
        <div className="player-bar card">
          <button type="button" className="btn" onClick={togglePlay} aria-pressed={playing}>
            {playing ? 'Pause' : 'Play'}
          </button>
          <label className="speed">
            Speed
            <select value={speed} onChange={(e) => setSpeed(Number(e.target.value))}>
              {SPEEDS.map((s) => (
                <option key={s} value={s}>
                  {s}×
                </option>
              ))}
            </select>
          </label>
          <span className="mono" data-testid="replay-time" aria-live="off">
            {formatOffset(t - rec.startTime)} / {formatOffset(rec.endTime - rec.startTime)}
          </span>
          {screen ? <span className="muted mono">record #{screen.seq}</span> : null}
        </div>
        <Timeline rec={rec} t={t} onSeek={(to) => (setPlaying(false), seek(to))} />
        {error ? <ErrorState error={error} retry={fetchScreen} /> : null}
        <div className="terminal-frame">
          <TerminalView label="Recorded terminal" readOnly autoFit={false} onReady={onReady} />
        </div>
      </div>
      <aside className="card side-panel" aria-label="Search and events">
        <SearchPanel id={id} start={rec.startTime} onSeek={(to) => (setPlaying(false), seek(to))} />
        <h2>Events</h2>
        <ol className="feed" aria-label="Recorded events">
          {rec.events.map((e) => (
            <li key={e.seq} className="feed-item">
              <button type="button" className="link-button" onClick={() => (setPlaying(false), seek(e.time))}>
                <time className="mono muted">{formatOffset(e.time - rec.startTime)}</time> {e.summary}
              </button>
            </li>
          ))}
        </ol>
      </aside>
    </div>
  );
}

function SearchPanel({ id, start, onSeek }: { id: string; start: number; onSeek: (t: number) => void }) {
  const client = useClient();
  const [query, setQuery] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const search = async () => {
    if (!query.trim()) return;
    setError(null);
    try {
      setHits(await client.call('replay.search', { id, query: query.trim() }));
    } catch (e) {
      setError(e instanceof ApiCallError ? `${e.code}: ${e.message}` : String(e));
    }
  };
  return (
    <div className="search">
      <form
        role="search"
        onSubmit={(e) => {
          e.preventDefault();
          void search();
        }}
      >
        <label className="sr-only" htmlFor="replay-search">
          Search the recording
        </label>
        <input id="replay-search" type="search" placeholder="Search output and events" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="submit" className="btn">
          Search
        </button>
      </form>
      {error ? (
        <p className="inline-error" role="alert">
          {error}
        </p>
      ) : null}
      {hits && hits.length === 0 ? <p className="muted">No matches.</p> : null}
      {hits && hits.length > 0 ? (
        <ol className="feed" aria-label="Search results">
          {hits.map((h) => (
            <li key={h.seq} className="feed-item">
              <button type="button" className="link-button" onClick={() => onSeek(h.time)}>
                <time className="mono muted">{formatOffset(h.time - start)}</time> <span className="badge">{h.kind === 'terminal.output' ? 'output' : h.kind}</span>{' '}
                <span className="mono">{h.snippet}</span>
              </button>
            </li>
          ))}
        </ol>
      ) : null}
    </div>
  );
}
