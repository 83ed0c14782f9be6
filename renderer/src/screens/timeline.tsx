import type { ReplayEvents } from '../../../electron/contract/index.js';
import { formatOffset } from '../components/format.js';

const LABELS: Record<string, string> = {
  'session.created': 'created',
  'session.started': 'started',
  'session.ended': 'ended',
  'session.error': 'error',
  'container.lifecycle': 'container',
  'network.decision': 'network',
};

/** The scrubber: a range input (arrow keys seek) with one button per notable event. */
export function Timeline({ rec, t, onSeek }: { rec: ReplayEvents; t: number; onSeek: (t: number) => void }) {
  const span = Math.max(1, rec.endTime - rec.startTime);
  const pos = (time: number) => `${(((time - rec.startTime) / span) * 100).toFixed(3)}%`;
  return (
    <div className="timeline card">
      <label className="sr-only" htmlFor="timeline-range">
        Position in the recording
      </label>
      <input
        id="timeline-range"
        className="timeline-range"
        type="range"
        min={rec.startTime}
        max={rec.endTime}
        step={Math.max(1, Math.round(span / 1000))}
        value={t}
        aria-valuetext={formatOffset(t - rec.startTime)}
        onChange={(e) => onSeek(Number(e.target.value))}
      />
      <div className="markers" aria-label="Timeline markers" role="group">
        {rec.events.map((e) => {
          const label = LABELS[e.kind] ?? e.kind;
          const deny = e.kind === 'network.decision' && (e.data as { decision?: string } | null)?.decision === 'deny';
          return (
            <button
              key={e.seq}
              type="button"
              className={`marker marker-${e.kind.replace(/[^a-z]/g, '-')}${deny ? ' marker-deny' : ''}`}
              style={{ left: pos(e.time) }}
              title={`${formatOffset(e.time - rec.startTime)} ${e.summary}`}
              aria-label={`${label} at ${formatOffset(e.time - rec.startTime)}`}
              data-testid="timeline-marker"
              data-kind={e.kind}
              onClick={() => onSeek(e.time)}
            />
          );
        })}
      </div>
    </div>
  );
}
