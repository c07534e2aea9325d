import { describe, expect, it } from 'vitest';
import { integer } from './test-certificates.ts';

// The test CA builds certificates by hand; a serial that breaks DER made one TLS test in ~500 fail on Node 24.
describe('test certificates: DER INTEGER', () => {
  it.each([
    ['no padding needed', [0x05], [0x02, 0x01, 0x05]],
    ['a leading zero dropped', [0x00, 0x05], [0x02, 0x01, 0x05]],
    ['zeros dropped, but one kept for the sign bit', [0x00, 0x00, 0x80], [0x02, 0x02, 0x00, 0x80]],
    ['a zero added for the sign bit', [0x80, 0x01], [0x02, 0x03, 0x00, 0x80, 0x01]],
    ['zero itself', [0x00, 0x00], [0x02, 0x01, 0x00]],
  ])('%s', (_name, bytes, der) => {
    expect([...integer(Buffer.from(bytes))]).toEqual(der);
  });
});
