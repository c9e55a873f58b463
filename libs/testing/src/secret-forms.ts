/** Every form in which a secret could leak into a log line or a body: raw, URL-, form- and JSON-encoded. */
export function secretForms(secret: string): string[] {
  return [...new Set([secret, encodeURIComponent(secret), new URLSearchParams({ p: secret }).toString().slice(2), JSON.stringify(secret).slice(1, -1)])];
}
