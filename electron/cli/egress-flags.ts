/** commander's collector for repeatable flags (`--allow`, `--deny`, `--credential`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
