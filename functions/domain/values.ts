/**
 * The bad value as the user wrote it, for error messages: strings quoted, objects as JSON, numbers and
 * NaN as themselves, cut to a readable length.
 */
export function showValue(value: unknown): string {
  const text =
    typeof value === 'string' || (typeof value === 'object' && value !== null)
      ? (JSON.stringify(value) ?? String(value))
      : String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** Drops fields set to `undefined`, so a value round-trips through JSON and DynamoDB unchanged. */
export const withoutUndefined = <T extends object>(value: T): T =>
  Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
