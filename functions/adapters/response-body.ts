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

/** Reads the final response's body for the keyword; the problem in words, or undefined when it passes. */
export async function judgeKeyword(
  body: ResponseBody,
  contentEncoding: string | string[] | undefined,
  keyword: Keyword,
  attempt: string,
): Promise<string | undefined> {
  const shown = JSON.stringify(truncate(keyword.text));
  const encoding = firstHeader(contentEncoding);
  const source = openDecodedBody(body, encoding);
  if (source === undefined) {
    discardBody(body, 'GET');
    return `keyword ${shown} not searched: unsupported content-encoding ${JSON.stringify(encoding)} from ${attempt}`;
  }
  const scan = await scanForKeyword(source, keyword.text);
  if (keyword.mode === 'absent')
    return scan.isFound ? `keyword ${shown} found in the body of ${attempt}` : undefined;
  if (scan.isFound) return undefined;
  return scan.isTruncated
    ? `keyword ${shown} not found in the first ${KEYWORD_MAX_BYTES} bytes of ${attempt}`
    : `keyword ${shown} not found in the body (${scan.bytesRead} bytes) of ${attempt}`;
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

interface KeywordScan {
  readonly isFound: boolean;
  readonly bytesRead: number;
  /** The limit was reached before the body ended. */
  readonly isTruncated: boolean;
}

/**
 * Searches at most KEYWORD_MAX_BYTES of a body for `text` (case-sensitive, UTF-8 with invalid bytes replaced)
 * and destroys the body as soon as the answer is known, so the rest is never downloaded.
 */
async function scanForKeyword(source: Readable, text: string): Promise<KeywordScan> {
  const decoder = new TextDecoder('utf-8');
  // A match may straddle two chunks: keep the last text.length - 1 characters of the previous window.
  const overlap = text.length - 1;
  let tail = '';
  let bytesRead = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      const part = chunk.subarray(0, KEYWORD_MAX_BYTES - bytesRead);
      bytesRead += part.length;
      const window = tail + decoder.decode(part, { stream: true });
      if (window.includes(text)) return { isFound: true, bytesRead, isTruncated: false };
      if (bytesRead >= KEYWORD_MAX_BYTES) return { isFound: false, bytesRead, isTruncated: true };
      tail = overlap > 0 ? window.slice(-overlap) : '';
    }
    return { isFound: (tail + decoder.decode()).includes(text), bytesRead, isTruncated: false };
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
