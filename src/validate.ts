// Checks for options and arguments: every failure names the option, the value and its type.

function describe(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = `[function ${value.name || 'anonymous'}]`;
  else if (typeof value === 'object' && value !== null) shown = Array.isArray(value) ? '[array]' : '[object]';
  else shown = String(value);
  return `${shown} (${value === null ? 'null' : typeof value})`;
}

/** Throws the error a bad value deserves: `TypeError` for a wrong type, `RangeError` otherwise. */
export function invalid(name: string, expected: string, value: unknown): never {
  const message = `Expected \`${name}\` to be ${expected}, got ${describe(value)}`;
  throw typeof value === 'number' ? new RangeError(message) : new TypeError(message);
}

/** A number in `[min, max]`; `Infinity` only when `max` is `Infinity`. */
export function checkNumber(name: string, value: unknown, expected: string, min: number, max: number, exclusiveMin = false): number {
  if (typeof value !== 'number' || !(exclusiveMin ? value > min : value >= min) || !(value <= max)) {
    invalid(name, expected, value);
  }
  return value;
}

/** An options object: `undefined` becomes `{}`; unknown keys are errors. */
export function checkOptions<T extends object>(name: string, value: T | undefined, known: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(name, 'an object', value);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) {
      throw new TypeError(`Unknown option \`${key}\` in \`${name}\`; known options: ${known.join(', ')}`);
    }
  }
  return value;
}
