/** One complete (newline-terminated) line of a journal file, with its byte range. */
export interface JournalLine {
  /** 1-based line number. */
  lineNo: number;
  /** Byte offset of the first byte of the line. */
  start: number;
  /** Byte offset just past the newline. */
  end: number;
  text: string;
}

/**
 * Splits a journal file's bytes into complete lines. Bytes after the last newline are a torn
 * tail (a write cut short by a crash): every record ends with `\n` and JSON escapes newlines
 * inside strings, so a partial record never contains one.
 */
export function* journalLines(buf: Buffer, baseOffset = 0, firstLineNo = 1): Generator<JournalLine> {
  let start = 0;
  let lineNo = firstLineNo;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) return;
    yield { lineNo, start: baseOffset + start, end: baseOffset + nl + 1, text: buf.toString('utf8', start, nl) };
    lineNo++;
    start = nl + 1;
  }
}

/** Length in bytes of the torn tail (bytes after the last newline). */
export function tornTailLength(buf: Buffer): number {
  const last = buf.lastIndexOf(0x0a);
  return buf.length - (last + 1);
}
