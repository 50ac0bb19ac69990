/** Control characters (NUL included) have no place in a name, email or order number. */
const CONTROL = /[\u0000-\u001f\u007f]/;

export class InvalidSearchTextError extends Error {}

/**
 * A search parameter as typed by a person: trimmed, bounded, free of control characters.
 * Returns null when absent or empty; throws InvalidSearchTextError for anything else unusable.
 */
export function searchText(value: string | null | undefined, field: string, maxLength = 320): string | null {
  const trimmed = value?.trim();
  if (!trimmed) return null;
  if (trimmed.length > maxLength) throw new InvalidSearchTextError(`${field} is longer than ${maxLength} characters`);
  if (CONTROL.test(trimmed)) throw new InvalidSearchTextError(`${field} contains control characters`);
  return trimmed;
}
