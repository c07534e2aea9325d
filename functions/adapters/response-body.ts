import { pipeline, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { firstHeader } from '../domain/judge-response.ts';
import { truncate } from './probe-errors.ts';

/** Body bytes searched for a keyword: a page's top, and a bound no huge or endless body can get past. */
export const KEYWORD_MAX_BYTES = 256 * 1024;

/** What a keyword check looks for. */
export interface Keyword {
  readonly text: string;
  readonly mode: 'present' | 'absent';
}

/** A response body as undici hands it over. */
export interface ResponseBody extends Readable {}

/** The most of a body a full GET reads: enough for any page's HTML; beyond it the site has clearly answered. */
export const FULL_BODY_MAX_BYTES = 1024 * 1024;

export interface BodyReadOptions {
  /** Searched in the first KEYWORD_MAX_BYTES (decoded). */
  readonly keyword?: Keyword;
  /** Read to the end (up to FULL_BODY_MAX_BYTES), not just until the keyword question is settled. */
  readonly isWhole: boolean;
  /** "GET https://…", for the keyword's detail. */
  readonly attempt: string;
  /** Told the raw bytes read so far, as they arrive (a stall or a cut says how far the body got). */
  readonly onBytes?: (bytes: number) => void;
}

export interface BodyReading {
  readonly bytesRead: number;
  /** The problem in words when the keyword check fails; undefined when it passes or there is none. */
  readonly keywordProblem?: string;
}

/**
 * Reads the final response's body: to its end (or FULL_BODY_MAX_BYTES) for a full GET, and for a keyword until
 * the answer is known. A body cut short or stalled makes this reject (the caller judges it); the rest is never
 * downloaded once the answer is known.
 */
export async function readBody(
  body: ResponseBody,
  contentEncoding: string | string[] | undefined,
  options: BodyReadOptions,
): Promise<BodyReading> {
  body.on('error', () => {});
  const { keyword } = options;
  const shown = keyword === undefined ? '' : JSON.stringify(truncate(keyword.text));
  const encoding = firstHeader(contentEncoding);
  // A keyword is searched in the body as the site meant it; a full GET without one only counts what arrives
  // (keyword checks ask for an uncompressed body, so both counts are the body's size).
  const decoded = keyword === undefined ? body : openDecodedBody(body, encoding);
  if (decoded === undefined) {
    discardBody(body, 'GET');
    return {
      bytesRead: 0,
      keywordProblem: `keyword ${shown} not searched: unsupported content-encoding ${JSON.stringify(encoding)} from ${options.attempt}`,
    };
  }
  const limit = options.isWhole ? FULL_BODY_MAX_BYTES : KEYWORD_MAX_BYTES;
  const scan = await scanBody(decoded, keyword?.text, limit, options.isWhole, options.onBytes);
  const { bytesRead } = scan;
  if (keyword === undefined) return { bytesRead };
  const keywordProblem =
    keyword.mode === 'absent'
      ? scan.isFound
        ? `keyword ${shown} found in the body of ${options.attempt}`
        : undefined
      : scan.isFound
        ? undefined
        : scan.keywordBytes >= KEYWORD_MAX_BYTES
          ? `keyword ${shown} not found in the first ${KEYWORD_MAX_BYTES} bytes of ${options.attempt}`
          : `keyword ${shown} not found in the body (${scan.keywordBytes} bytes) of ${options.attempt}`;
  return keywordProblem === undefined ? { bytesRead } : { bytesRead, keywordProblem };
}

/** The body as the site meant it: decompressed for the codings we can undo, undefined for others. */
function openDecodedBody(body: Readable, contentEncoding: string | undefined): Readable | undefined {
  body.on('error', () => {});
  const coding = (contentEncoding ?? '').trim().toLowerCase();
  // pipeline destroys the body when the decompressor is destroyed, and reports errors once, to the reader.
  const through = (decompressor: Readable & NodeJS.WritableStream) => pipeline(body, decompressor, () => {});
  switch (coding) {
    case '':
    case 'identity':
      return body;
    case 'gzip':
    case 'x-gzip':
      return through(createGunzip());
    case 'deflate':
      return through(createInflate());
    case 'br':
      return through(createBrotliDecompress());
    default:
      return undefined;
  }
}

interface BodyScan {
  readonly isFound: boolean;
  /** Bytes searched for the keyword (at most KEYWORD_MAX_BYTES). */
  readonly keywordBytes: number;
  readonly bytesRead: number;
}

/**
 * Reads `source` until `limit` raw bytes (or its end), searching the first KEYWORD_MAX_BYTES for `text`
 * (case-sensitive, UTF-8 with invalid bytes replaced). Unless the whole body is wanted it stops as soon as the
 * keyword question is settled; either way the body is destroyed at the end, so the rest is never downloaded.
 */
async function scanBody(
  source: Readable,
  text: string | undefined,
  limit: number,
  isWhole: boolean,
  onBytes: ((bytes: number) => void) | undefined,
): Promise<BodyScan> {
  const decoder = new TextDecoder('utf-8');
  // A match may straddle two chunks: keep the last text.length - 1 characters of the previous window.
  const overlap = text === undefined ? 0 : text.length - 1;
  let tail = '';
  let keywordBytes = 0;
  let bytesRead = 0;
  let isFound = false;
  let isSettled = text === undefined;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      bytesRead += chunk.length;
      onBytes?.(bytesRead);
      if (!isSettled && text !== undefined) {
        const part = chunk.subarray(0, KEYWORD_MAX_BYTES - keywordBytes);
        keywordBytes += part.length;
        const window = tail + decoder.decode(part, { stream: true });
        if (window.includes(text)) isFound = true;
        isSettled = isFound || keywordBytes >= KEYWORD_MAX_BYTES;
        tail = overlap > 0 ? window.slice(-overlap) : '';
      }
      if (isSettled && !isWhole) break;
      if (bytesRead >= limit) break;
    }
    if (!isSettled && text !== undefined) isFound = (tail + decoder.decode()).includes(text);
    return { isFound, keywordBytes, bytesRead };
  } finally {
    source.destroy();
  }
}

interface Body {
  on(event: 'error', listener: () => void): unknown;
  resume(): unknown;
  destroy(): unknown;
}

/**
 * A GET body is never read: destroying it frees the socket at once, whatever the server still sends. A HEAD
 * response has no body and has already ended: draining it costs nothing, destroying it would build an error.
 */
export function discardBody(body: Body, method: 'HEAD' | 'GET'): void {
  body.on('error', () => {});
  if (method === 'HEAD') body.resume();
  else body.destroy();
}
