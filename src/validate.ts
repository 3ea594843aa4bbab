import type { Clock } from './clock.js';

// Checks for options and arguments: every failure names the option, the value and its type.

function describe(value: unknown): string {
  let shown: string;
  if (typeof value === 'string') shown = JSON.stringify(value);
  else if (typeof value === 'function') shown = `[function ${value.name || 'anonymous'}]`;
  else if (typeof value === 'object' && value !== null) shown = Array.isArray(value) ? '[array]' : '[object]';
  else shown = String(value);
  return `${shown} (${value === null ? 'null' : typeof value})`;
}

/** Throws a `TypeError` (or the given class) naming the option, the expectation and the value. */
export function invalid(name: string, expected: string, value: unknown, ErrorClass: new (message: string) => Error = TypeError): never {
  throw new ErrorClass(`Expected \`${name}\` to be ${expected}, got ${describe(value)}`);
}

/** A number in `[min, max]`; `Infinity` only when `max` is `Infinity`. */
export function checkNumber(name: string, value: unknown, expected: string, min: number, max: number, exclusiveMin = false): number {
  if (typeof value !== 'number') invalid(name, expected, value);
  if (!(exclusiveMin ? value > min : value >= min) || !(value <= max)) invalid(name, expected, value, RangeError);
  return value;
}

/** An options object: `undefined` becomes `{}`; unknown keys are errors. Allocates nothing. */
export function checkOptions<T extends object>(name: string, value: T | undefined, known: readonly string[]): Partial<T> {
  if (value === undefined) return {};
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(name, 'an object', value);
  for (const key in value) {
    if (!known.includes(key)) {
      throw new TypeError(`Unknown option \`${key}\` in \`${name}\`; known options: ${known.join(', ')}`);
    }
  }
  return value;
}

/** A {@link Clock}: an object with `now()` and `setTimeout()`. */
export function checkClock(name: string, value: unknown): Clock {
  const clock = value as Partial<Clock> | null;
  if (typeof clock !== 'object' || clock === null || typeof clock.now !== 'function' || typeof clock.setTimeout !== 'function') {
    invalid(name, 'a Clock with now() and setTimeout()', value);
  }
  return clock as Clock;
}
