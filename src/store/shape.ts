/**
 * Small shape checks for values read back from shared state (the caches): a value written by another
 * version of the gateway, by hand, or corrupted must be recognised as foreign, never cast and used.
 * Each check answers whether `value` has the fields the current code reads, of the right types.
 */
export type ShapeCheck = (value: unknown) => boolean;

type FieldType = 'number' | 'string' | 'boolean' | 'number|null' | 'string|null' | 'boolean|null' | ShapeCheck;

/** An object with at least these fields, of these types. */
export function objectWith(fields: Readonly<Record<string, FieldType>>): ShapeCheck {
  return (value) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
    const record = value as Record<string, unknown>;
    return Object.entries(fields).every(([name, type]) => matches(record[name], type));
  };
}

/** An array whose every item passes `item`. */
export function arrayOf(item: FieldType): ShapeCheck {
  return (value) => Array.isArray(value) && value.every((entry) => matches(entry, item));
}

function matches(value: unknown, type: FieldType): boolean {
  if (typeof type === 'function') return type(value);
  const [base, nullable] = type.split('|') as [string, string | undefined];
  if (value === null) return nullable === 'null';
  if (base === 'number') return typeof value === 'number' && Number.isFinite(value);
  return typeof value === base;
}

/** One of these exact values (an enum as the current code knows it). */
export function oneOf(values: readonly unknown[]): ShapeCheck {
  const known = new Set(values);
  return (value) => known.has(value);
}
