/** A clock that runs with real time from `startIso`, and that a test can set or move forward. */
export function movableClock(startIso: string) {
  let offset = Date.parse(startIso) - Date.now();
  return {
    now: () => new Date(Date.now() + offset),
    set(iso: string) {
      offset = Date.parse(iso) - Date.now();
    },
    advance(ms: number) {
      offset += ms;
    },
  };
}
