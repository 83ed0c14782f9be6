import xterm from '@xterm/headless';
import type { IBuffer, IBufferCell, Terminal as TerminalType } from '@xterm/headless';

/**
 * Screen keyframes without the serialize addon (not installed): the visible screen of both
 * buffers is turned into an escape sequence that, written into a fresh terminal of the same
 * size, reproduces the cells (characters, widths, colours, attributes, soft wraps), the
 * cursor (including a pending wrap), the scroll region, origin/wrap/insert modes and the
 * current pen. Scrollback is not kept: a keyframe is for "the screen at time t".
 */
export const { Terminal } = xterm;
export type Terminal = TerminalType;

export function newTerminal(cols: number, rows: number): Terminal {
  return new Terminal({ cols, rows, scrollback: 0, allowProposedApi: true });
}

/** Resolves once everything written so far has been parsed. */
export function drain(term: Terminal): Promise<void> {
  return new Promise((resolve) => term.write('', resolve));
}

const CM_P16 = 0x1000000;
const CM_P256 = 0x2000000;
const CM_RGB = 0x3000000;

interface Attrs {
  isBold(): number;
  isItalic(): number;
  isDim(): number;
  isUnderline(): number;
  isBlink(): number;
  isInverse(): number;
  isInvisible(): number;
  isStrikethrough(): number;
  isOverline(): number;
  getFgColorMode(): number;
  getBgColorMode(): number;
  getFgColor(): number;
  getBgColor(): number;
}

function color(mode: number, c: number, base: number): string {
  if (mode === CM_P16) return c < 8 ? `${base + c}` : `${base + 60 + c - 8}`;
  if (mode === CM_P256) return `${base + 8};5;${c}`;
  if (mode === CM_RGB) return `${base + 8};2;${(c >> 16) & 255};${(c >> 8) & 255};${c & 255}`;
  return '';
}

/** The full SGR that selects exactly these attributes (starting from a reset). */
export function sgrOf(a: Attrs): string {
  const p = ['0'];
  if (a.isBold()) p.push('1');
  if (a.isDim()) p.push('2');
  if (a.isItalic()) p.push('3');
  if (a.isUnderline()) p.push('4');
  if (a.isBlink()) p.push('5');
  if (a.isInverse()) p.push('7');
  if (a.isInvisible()) p.push('8');
  if (a.isStrikethrough()) p.push('9');
  if (a.isOverline()) p.push('53');
  const fg = color(a.getFgColorMode(), a.getFgColor(), 30);
  const bg = color(a.getBgColorMode(), a.getBgColor(), 40);
  if (fg) p.push(fg);
  if (bg) p.push(bg);
  return `\x1b[${p.join(';')}m`;
}

function isBlank(cell: IBufferCell): boolean {
  return (cell.getChars() === '' || cell.getChars() === ' ') && cell.isAttributeDefault();
}

function serializeRows(buf: IBuffer, cols: number, rows: number): string {
  const out: string[] = [];
  const cell = buf.getNullCell();
  let pen = '';
  // A top row that continues a line scrolled away: write a filler row first so the real row
  // wraps onto it (keeping its wrap flag), then scroll the filler off.
  const topWrapped = buf.getLine(buf.baseY)?.isWrapped === true;
  let chainEnd = 0;
  if (topWrapped) {
    out.push(`\x1b[1;1H${'x'.repeat(cols)}`);
    while (chainEnd + 1 < rows && buf.getLine(buf.baseY + chainEnd + 1)?.isWrapped) chainEnd++;
  }
  for (let y = 0; y < rows; y++) {
    const line = buf.getLine(buf.baseY + y);
    if (!line) continue;
    const nextWrapped = buf.getLine(buf.baseY + y + 1)?.isWrapped === true && y + 1 < rows;
    // (A chain that fills the screen scrolled the filler away by wrapping.)
    if (topWrapped && y === chainEnd + 1) {
      out.push('\x1b[0m\x1b[S');
      pen = '\x1b[0m';
    }
    if (!line.isWrapped && !(topWrapped && y <= chainEnd)) out.push(`\x1b[${y + 1};1H`);
    let end = cols;
    if (!nextWrapped) {
      while (end > 0 && line.getCell(end - 1, cell) && isBlank(cell)) end--;
    }
    // A wrapped row exists only once a character lands on it: write at least its first cell.
    if (line.isWrapped && end === 0) end = 1;
    for (let x = 0; x < end; x++) {
      if (!line.getCell(x, cell)) continue;
      if (cell.getWidth() === 0) continue;
      const sgr = sgrOf(cell);
      if (sgr !== pen) {
        out.push(sgr);
        pen = sgr;
      }
      out.push(cell.getChars() || ' ');
    }
  }
  return `${out.join('')}\x1b[0m`;
}

interface BufferInternals {
  scrollTop?: number;
  scrollBottom?: number;
  savedX?: number;
  savedY?: number;
  ybase?: number;
  savedCurAttrData?: Attrs;
}

interface CoreInternals {
  _core?: {
    buffer?: { scrollTop?: number; scrollBottom?: number };
    buffers?: { normal?: BufferInternals; alt?: BufferInternals };
    _inputHandler?: { _curAttrData?: Attrs };
  };
}

/** DECSC state of a buffer (what ESC 8 / CSI ?1049l restore): position and pen, then ESC 7. */
function savedCursor(b: BufferInternals | undefined): string {
  if (!b || typeof b.savedX !== 'number' || typeof b.savedY !== 'number') return '';
  const y = Math.max(b.savedY - (b.ybase ?? 0), 0);
  const pen = b.savedCurAttrData && typeof b.savedCurAttrData.isBold === 'function' ? sgrOf(b.savedCurAttrData) : '\x1b[0m';
  return `\x1b[${y + 1};${b.savedX + 1}H${pen}\x1b7\x1b[0m`;
}

/** Escape sequence reproducing the terminal's visible state in a fresh terminal of the same size. */
export function serializeScreen(term: Terminal): string {
  const { cols, rows } = term;
  const parts: string[] = ['\x1bc'];
  const alt = term.buffer.active.type === 'alternate';
  const core = (term as unknown as CoreInternals)._core;
  parts.push(serializeRows(term.buffer.normal, cols, rows));
  parts.push(savedCursor(core?.buffers?.normal));
  if (alt) {
    const n = term.buffer.normal;
    // Each buffer has its own scroll region: the normal one's must be there when the program
    // leaves the alternate screen (DECSTBM homes the cursor; the position is set just below).
    const nt = core?.buffers?.normal?.scrollTop ?? 0;
    const nb = core?.buffers?.normal?.scrollBottom ?? rows - 1;
    if (nt !== 0 || nb !== rows - 1) parts.push(`\x1b[${nt + 1};${nb + 1}r`);
    // 1047, not 1049: the normal buffer's saved cursor was just restored and must survive.
    parts.push(`\x1b[${n.cursorY + 1};${Math.min(n.cursorX, cols - 1) + 1}H\x1b[?1047h\x1b[H\x1b[2J`);
    parts.push(serializeRows(term.buffer.alternate, cols, rows));
    parts.push(savedCursor(core?.buffers?.alt));
  }
  const top = core?.buffer?.scrollTop ?? 0;
  const bottom = core?.buffer?.scrollBottom ?? rows - 1;
  if (top !== 0 || bottom !== rows - 1) parts.push(`\x1b[${top + 1};${bottom + 1}r`);
  const b = term.buffer.active;
  const m = term.modes;
  // With DECOM the cursor row is relative to the region (and setting it homes the cursor).
  const rowOff = m.originMode ? top : 0;
  if (m.originMode) parts.push('\x1b[?6h');
  if (b.cursorX >= cols) {
    // Pending wrap: rewrite the last cell of the cursor row so the next character wraps.
    const line = b.getLine(b.baseY + b.cursorY);
    const wide = line?.getCell(cols - 1)?.getWidth() === 0;
    const cell = line?.getCell(wide ? cols - 2 : cols - 1);
    parts.push(`\x1b[${b.cursorY - rowOff + 1};${wide ? cols - 1 : cols}H`);
    if (cell) parts.push(`${sgrOf(cell)}${cell.getChars() || ' '}`);
  } else {
    parts.push(`\x1b[${b.cursorY - rowOff + 1};${b.cursorX + 1}H`);
  }
  if (!m.wraparoundMode) parts.push('\x1b[?7l');
  if (m.insertMode) parts.push('\x1b[4h');
  if (m.applicationCursorKeysMode) parts.push('\x1b[?1h');
  if (m.bracketedPasteMode) parts.push('\x1b[?2004h');
  const pen = core?._inputHandler?._curAttrData;
  parts.push(pen && typeof pen.isBold === 'function' ? sgrOf(pen) : '\x1b[0m');
  return parts.join('');
}

export interface ScreenText {
  cols: number;
  rows: number;
  lines: string[];
  cursor: { x: number; y: number };
  alternate: boolean;
}

/** The visible screen as text (trailing blanks trimmed) plus cursor. */
export function screenText(term: Terminal): ScreenText {
  const b = term.buffer.active;
  const lines: string[] = [];
  for (let y = 0; y < term.rows; y++) lines.push(b.getLine(b.baseY + y)?.translateToString(true) ?? '');
  return { cols: term.cols, rows: term.rows, lines, cursor: { x: b.cursorX, y: b.cursorY }, alternate: b.type === 'alternate' };
}

/** Text, attributes and wrap flags of every visible cell: equal fingerprints, equal screens. */
export function screenFingerprint(term: Terminal): string {
  const b = term.buffer.active;
  const cell = b.getNullCell();
  const rows: string[] = [];
  for (let y = 0; y < term.rows; y++) {
    const line = b.getLine(b.baseY + y);
    if (!line) continue;
    let s = line.isWrapped ? '↩' : '';
    for (let x = 0; x < term.cols; x++) {
      if (!line.getCell(x, cell)) continue;
      s += `${cell.getChars() || ' '}${cell.getWidth()}${sgrOf(cell)}`;
    }
    rows.push(s);
  }
  return `${b.type} ${b.cursorX},${b.cursorY}\n${rows.join('\n')}`;
}
