import { Agent, FormData, request, type Dispatcher } from 'undici';
import {
  PartnerAuthError,
  PartnerDataFormatError,
  PartnerDownError,
  PartnerError,
  PartnerNetworkTimeoutError,
  PartnerNotFoundError,
  PartnerRateLimitError,
} from '../errors/partner.errors.js';
import { parseRetryAfterMs } from '../errors/retry-after.parser.js';
import { redactSecrets, sanitizeCause } from '../redaction/secret.redactor.js';
import type { SatlocEndpoint } from './satloc.endpoints.js';
import { scrub } from './satloc.response.js';

export interface SatlocRequest {
  endpoint: SatlocEndpoint;
  method: 'GET' | 'POST';
  query?: Record<string, string | undefined>;
  /** Sent as `Authorization: Bearer <token>` only when a token was issued. */
  token?: string | null;
  body?: FormData;
  /** Deadline for the whole exchange (connect, headers and, for JSON, the body). */
  timeoutMs: number;
  /** Longest silence between body chunks (downloads). */
  bodyIdleTimeoutMs?: number;
  /** Streamed responses are not bounded by `timeoutMs` once the headers are in. */
  streamed?: boolean;
  /** Exact strings (password, token) to keep out of every error message. */
  secrets: readonly string[];
}

export interface SatlocTransportOptions {
  baseUrl: string;
  partnerCode: string;
  connectTimeoutMs: number;
  dispatcher?: Dispatcher;
}

const ERROR_BODY_BYTES = 2048;

/**
 * One HTTP exchange with SatLoc Cloud through undici. Every failure leaves as a PartnerError
 * whose message names the endpoint and status and never contains a query string or a secret.
 */
export class SatlocTransport {
  private readonly baseUrl: string;
  private readonly dispatcher: Dispatcher;
  private readonly ownsDispatcher: boolean;

  constructor(private readonly options: SatlocTransportOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
    this.ownsDispatcher = options.dispatcher === undefined;
    this.dispatcher = options.dispatcher ?? new Agent({ connect: { timeout: options.connectTimeoutMs }, keepAliveTimeout: 10_000 });
  }

  async send(req: SatlocRequest): Promise<Dispatcher.ResponseData> {
    const url = new URL(`${this.baseUrl}/${req.endpoint}`);
    for (const [name, value] of Object.entries(req.query ?? {})) if (value !== undefined) url.searchParams.set(name, value);
    const headers: Record<string, string> = { accept: 'application/json, application/octet-stream;q=0.9, */*;q=0.5' };
    if (req.token) headers.authorization = `Bearer ${req.token}`;

    const controller = new AbortController();
    const deadline = setTimeout(() => controller.abort(new DeadlineError()), req.timeoutMs);
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: req.method,
        headers,
        body: req.body,
        signal: controller.signal,
        dispatcher: this.dispatcher,
        headersTimeout: req.timeoutMs,
        bodyTimeout: req.bodyIdleTimeoutMs ?? req.timeoutMs,
      });
    } catch (error) {
      clearTimeout(deadline);
      throw this.classifyTransportError(error, req);
    }
    if (req.streamed) clearTimeout(deadline);
    else response.body.once('close', () => clearTimeout(deadline));

    if (response.statusCode >= 200 && response.statusCode < 300) return response;
    clearTimeout(deadline);
    const detail = await readErrorBody(response);
    throw this.classifyStatus(response, req, scrub(detail, req.secrets));
  }

  /** Reads a JSON (or plain-text) body, refusing more than `maxBytes`. */
  async readJson(response: Dispatcher.ResponseData, req: SatlocRequest, maxBytes: number): Promise<unknown> {
    const declared = Number(response.headers['content-length']);
    const details = { partnerCode: this.options.partnerCode, endpoint: req.endpoint, httpStatus: response.statusCode };
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.dump().catch(() => undefined);
      throw new PartnerDataFormatError(`${this.options.partnerCode} ${req.endpoint}: response of ${declared} bytes exceeds ${maxBytes}`, {
        ...details,
        field: 'content-length',
      });
    }
    const chunks: Buffer[] = [];
    let size = 0;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        size += chunk.length;
        if (size > maxBytes) {
          response.body.destroy();
          throw new PartnerDataFormatError(`${this.options.partnerCode} ${req.endpoint}: response exceeds ${maxBytes} bytes`, {
            ...details,
            field: 'body',
          });
        }
        chunks.push(chunk);
      }
    } catch (error) {
      throw this.classifyTransportError(error, req);
    }
    const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '').trim();
    if (text === '') return null;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      // Some endpoints (IsAlive) may answer `true` or `OK` as text/plain.
      const type = String(response.headers['content-type'] ?? '');
      if (!type.includes('json') && text.length < 200) return text;
      throw new PartnerDataFormatError(`${this.options.partnerCode} ${req.endpoint}: response is not valid JSON`, { ...details, field: 'body' });
    }
  }

  async close(): Promise<void> {
    if (this.ownsDispatcher) await this.dispatcher.close();
  }

  classifyTransportError(error: unknown, req: SatlocRequest): PartnerError {
    if (error instanceof PartnerError) return error;
    const cause = sanitizeCause(error, req.secrets);
    const details = { partnerCode: this.options.partnerCode, endpoint: req.endpoint, cause };
    const code = (error as { code?: unknown }).code;
    const name = (error as { name?: unknown }).name;
    const where = `${this.options.partnerCode} ${req.endpoint}`;
    if (error instanceof DeadlineError || name === 'TimeoutError' || name === 'AbortError' || code === 'UND_ERR_ABORTED') {
      return new PartnerNetworkTimeoutError(`${where}: no complete answer within ${req.timeoutMs} ms`, details);
    }
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new PartnerNetworkTimeoutError(`${where}: timed out (${String(code)})`, details);
    }
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH') {
      return new PartnerDownError(`${where}: partner unreachable (${String(code)})`, details);
    }
    // Resets, sockets closed mid-response, content-length mismatches: the network broke.
    return new PartnerNetworkTimeoutError(`${where}: connection failed (${String(code ?? name ?? 'error')}: ${cause.message})`, details);
  }

  private classifyStatus(response: Dispatcher.ResponseData, req: SatlocRequest, detail: string): PartnerError {
    const status = response.statusCode;
    const where = `${this.options.partnerCode} ${req.endpoint}`;
    const suffix = detail ? `: ${detail}` : '';
    const details = { partnerCode: this.options.partnerCode, endpoint: req.endpoint, httpStatus: status };
    if (status === 401 || status === 403) {
      return new PartnerAuthError(`${where}: HTTP ${status}${suffix}`, { ...details, credentialsRejected: req.endpoint === 'AuthenticateAPIUser' });
    }
    if (status === 404) return new PartnerNotFoundError(`${where}: HTTP 404${suffix}`, details);
    if (status === 429) {
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
      const wait = retryAfterMs === undefined ? '' : ` (retry after ${retryAfterMs} ms)`;
      return new PartnerRateLimitError(`${where}: HTTP 429 rate limited${wait}`, { ...details, retryAfterMs });
    }
    if (status === 408 || status === 504) return new PartnerNetworkTimeoutError(`${where}: HTTP ${status}${suffix}`, details);
    if (status >= 500) {
      const retryAfterMs = parseRetryAfterMs(response.headers['retry-after']);
      return new PartnerDownError(`${where}: HTTP ${status}${suffix}`, { ...details, retryAfterMs });
    }
    return new PartnerDataFormatError(`${where}: request refused with HTTP ${status}${suffix}`, details);
  }
}

class DeadlineError extends Error {
  constructor() {
    super('deadline exceeded');
    this.name = 'DeadlineError';
  }
}

async function readErrorBody(response: Dispatcher.ResponseData): Promise<string> {
  try {
    let text = '';
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      text += chunk.toString('utf8');
      if (text.length >= ERROR_BODY_BYTES) {
        response.body.destroy();
        break;
      }
    }
    text = text.slice(0, ERROR_BODY_BYTES).trim();
    // An HTML error page says nothing useful; a JSON error says ErrorMessage or message.
    if (text.startsWith('<')) return '';
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const message = parsed.ErrorMessage ?? parsed.errorMessage ?? parsed.message ?? parsed.Message;
      return typeof message === 'string' ? redactSecrets(message) : '';
    } catch {
      return redactSecrets(text.slice(0, 200));
    }
  } catch {
    return '';
  }
}

export { FormData };
