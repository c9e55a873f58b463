import { randomUUID } from 'node:crypto';

/** A request body for `app.inject`: raw bytes and the headers that describe them. */
export interface RawBody {
  payload: Buffer;
  headers: Record<string, string>;
}

/**
 * A `multipart/form-data` body with plain fields first and at most one file part (named
 * `file`), as a browser or `curl -F` sends it.
 */
export function multipartBody(file: { name: string; bytes: Buffer } | null, fields: Record<string, string> = {}): RawBody {
  const boundary = `agair-${randomUUID()}`;
  const parts: Buffer[] = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`));
  if (file) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}
