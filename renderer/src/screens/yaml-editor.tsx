import { forwardRef, useImperativeHandle, useRef, useState } from 'react';

export interface LineMark {
  line: number;
  col: number | null;
  message: string;
}

export interface YamlEditorHandle {
  /** Focus the editor and select a line (1-based), scrolled into view. */
  goTo(line: number): void;
}

const LINE_HEIGHT = 20;
const PAD = 10;

/**
 * A plain-text YAML editor: a textarea (no wrapping) with a line-number gutter, and each problem
 * shown at its line: the number turns red and the message sits on that line, error-lens style.
 */
export const YamlEditor = forwardRef<
  YamlEditorHandle,
  { value: string; onChange: (text: string) => void; marks: LineMark[]; label: string; describedBy?: string }
>(function YamlEditor({ value, onChange, marks, label, describedBy }, ref) {
  const area = useRef<HTMLTextAreaElement>(null);
  const [scroll, setScroll] = useState({ top: 0, left: 0 });
  const lines = value.split('\n').length;
  const byLine = new Map<number, LineMark>();
  for (const m of marks) if (!byLine.has(m.line)) byLine.set(m.line, m);
  useImperativeHandle(ref, () => ({
    goTo(line) {
      const el = area.current;
      if (!el) return;
      const starts = [0];
      for (let i = 0; i < value.length; i++) if (value[i] === '\n') starts.push(i + 1);
      const start = starts[Math.min(line, starts.length) - 1] ?? 0;
      const end = value.indexOf('\n', start);
      el.focus();
      el.setSelectionRange(start, end < 0 ? value.length : end);
      el.scrollTop = Math.max(0, (line - 4) * LINE_HEIGHT);
    },
  }));
  return (
    <div
      className="yaml-editor"
      style={{ ['--line' as string]: `${LINE_HEIGHT}px`, ['--pad' as string]: `${PAD}px` }}
    >
      <div className="yaml-gutter" aria-hidden="true">
        <div style={{ transform: `translateY(${-scroll.top}px)` }}>
          {Array.from({ length: lines }, (_, i) => (
            <div key={i} className={byLine.has(i + 1) ? 'gutter-line gutter-error' : 'gutter-line'}>
              {i + 1}
            </div>
          ))}
        </div>
      </div>
      <div className="yaml-code">
        <div className="yaml-marks" aria-hidden="true" style={{ transform: `translateY(${-scroll.top}px)` }}>
          {[...byLine.values()].map((m) => (
            <div
              key={m.line}
              className="yaml-mark"
              data-testid="line-mark"
              data-line={m.line}
              style={{ top: PAD + (m.line - 1) * LINE_HEIGHT }}
            >
              <span className="yaml-mark-text">{m.message}</span>
            </div>
          ))}
        </div>
        <textarea
          ref={area}
          className="yaml-text"
          aria-label={label}
          aria-invalid={marks.length > 0}
          aria-describedby={describedBy}
          value={value}
          wrap="off"
          spellCheck={false}
          autoCapitalize="off"
          autoComplete="off"
          onChange={(e) => onChange(e.target.value)}
          onScroll={(e) => setScroll({ top: e.currentTarget.scrollTop, left: e.currentTarget.scrollLeft })}
        />
      </div>
    </div>
  );
});
