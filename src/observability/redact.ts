/**
 * Query parameters that carry credentials in some providers' and Hub's URLs: the Postmark
 * inbound token, Meta's handshake verify token, Hub's one-time SSO jti, and OAuth values a
 * client may wrongly put in a query string. Their values never reach the log.
 */
const SECRET_PARAMETERS = new Set(['token', 'hub.verify_token', 'jti', 'client_secret', 'code', 'refresh_token', 'access_token', 'code_verifier', 'key']);

export const REDACTED_VALUE = '[redacted]';

function isSecretParameter(rawName: string): boolean {
  let name = rawName;
  try {
    name = decodeURIComponent(rawName.replace(/\+/g, ' '));
  } catch {
    // a malformed name is logged as it came
  }
  return SECRET_PARAMETERS.has(name.toLowerCase());
}

/** The URL with the values of secret query parameters replaced, everything else as it came. */
export function redactUrl(url: string): string {
  const question = url.indexOf('?');
  if (question < 0) return url;
  const query = url
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const name = equals < 0 ? pair : pair.slice(0, equals);
      return equals >= 0 && isSecretParameter(name) ? `${name}=${REDACTED_VALUE}` : pair;
    })
    .join('&');
  return `${url.slice(0, question)}?${query}`;
}

/** A parsed query object with the secret parameters' values replaced. */
export function redactQuery(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(Object.entries(query as Record<string, unknown>).map(([name, value]) => [name, isSecretParameter(name) ? REDACTED_VALUE : value]));
}
