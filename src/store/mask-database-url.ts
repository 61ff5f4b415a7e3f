/**
 * A database URL safe to print: the password (and any `password=` parameter) replaced by `***`.
 * Copes with unencoded `@` or `/` in passwords (the user info ends at the last `@` before the query).
 * Never throws, also for strings that are not URLs.
 */
export function maskDatabaseUrl(url: string): string {
  const masked = url.replace(/([?&]password=)[^&#]*/gi, "$1***");
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(masked);
  if (scheme === null) return masked;
  const start = scheme[0].length;
  const queryAt = masked.indexOf("?", start);
  const beforeQuery = queryAt === -1 ? masked : masked.slice(0, queryAt);
  const at = beforeQuery.lastIndexOf("@");
  if (at < start) return masked;
  const colon = masked.indexOf(":", start);
  if (colon === -1 || colon > at) return masked;
  return `${masked.slice(0, colon + 1)}***${masked.slice(at)}`;
}
