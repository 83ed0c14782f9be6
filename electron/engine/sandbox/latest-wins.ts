/**
 * Serialise calls of `apply`, the newest value last: while one call runs, later values wait and
 * only the newest of them is applied after it. For terminal sizes: two resize requests in flight
 * at once may reach the engine in either order and leave the older size (a window dragged, or
 * `stty cols … rows …`, which sets the two one after the other). The returned promise settles
 * once no value is waiting; `apply` must not reject (errors are its own to swallow or record).
 */
export function latestWins<T>(apply: (value: T) => Promise<void>): (value: T) => Promise<void> {
  let wanted: { value: T } | null = null;
  let running: Promise<void> | null = null;
  const drain = async (): Promise<void> => {
    for (;;) {
      const next = wanted;
      if (!next) {
        running = null;
        return;
      }
      wanted = null;
      await apply(next.value);
    }
  };
  return (value: T) => {
    wanted = { value };
    running ??= drain();
    return running;
  };
}
