/**
 * Placeholders in an item's args: objects with a single `$`-key (e.g. `{"$cardOf": "c_1"}`) that
 * stand for something known only once an earlier item went out, resolved at send time.
 */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A placeholder is an object with a single key starting with `$`, e.g. `{"$cardOf": "c_1"}`. */
export function isPlaceholder(v: unknown): v is Record<string, unknown> {
  if (!isObject(v)) return false;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0]!.startsWith('$');
}

export function hasPlaceholders(v: unknown): boolean {
  if (isPlaceholder(v)) return true;
  if (Array.isArray(v)) return v.some(hasPlaceholders);
  if (isObject(v)) return Object.values(v).some(hasPlaceholders);
  return false;
}

/**
 * Replaces every placeholder `{ [op]: value }` in args with `lookup(op, value)`; null when a lookup
 * answers undefined (not known yet). A building block for `resolveRefs`.
 */
export function resolvePlaceholders(
  args: Record<string, unknown>,
  lookup: (op: string, value: unknown) => unknown,
): Record<string, unknown> | null {
  let missing = false;
  const walk = (v: unknown): unknown => {
    if (missing) return v;
    if (isPlaceholder(v)) {
      const op = Object.keys(v)[0]!;
      const out = lookup(op, v[op]);
      if (out === undefined) missing = true;
      return out;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const out = walk(args) as Record<string, unknown>;
  return missing ? null : out;
}

/** The placeholders of args, for an error message. */
export function describePlaceholders(args: Record<string, unknown>): string {
  const found: string[] = [];
  const walk = (v: unknown): void => {
    if (isPlaceholder(v)) found.push(JSON.stringify(v));
    else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(args);
  return found.join(', ');
}
