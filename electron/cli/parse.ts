import { InvalidArgumentError } from 'commander';

/** "30s", "5m", "1h", "1500ms", or plain seconds. */
export function parseDuration(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`"${v}" is not a duration; use e.g. 30s, 5m, 1h`);
  const n = Number(m[1]);
  const unit = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  return Math.round(n * unit);
}

/** "512m", "2g", "1.5G", or bytes. */
export function parseBytes(v: string): number {
  const m = /^(\d+(?:\.\d+)?)([kmgt]?)i?b?$/i.exec(v.trim());
  if (!m) throw new InvalidArgumentError(`"${v}" is not a size; use e.g. 512m, 2g`);
  const pow = ' kmgt'.indexOf((m[2] ?? '').toLowerCase() || ' ');
  return Math.round(Number(m[1]) * 1024 ** Math.max(0, pow));
}

export function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${v}" is not a positive number`);
  return n;
}
