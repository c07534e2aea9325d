import { describe, expect, it } from 'vitest';
import { printableText, truncateText } from '../../functions/domain/schema-parts.ts';

describe('printableText', () => {
  it('turns what a server could use to garble or spoof a detail into "?": controls, bidi overrides, noncharacters, lone surrogates', () => {
    expect(printableText('CN=a\u0007b\u202Egnp.exe\uFFFF\uD800z')).toBe('CN=a?b?gnp.exe??z');
  });

  it('keeps every printable script and emoji as it is', () => {
    expect(printableText('Café 東京 🐿️ — Zürich')).toBe('Café 東京 🐿️ — Zürich');
  });
});

describe('truncateText', () => {
  it('keeps text within the bound as it is', () => {
    expect(truncateText('short', 10)).toBe('short');
  });

  it('cuts between words when a space is near the end, never mid-word', () => {
    expect(truncateText('the server offers nothing newer than TLS 1.1', 30)).toBe(
      'the server offers nothing…',
    );
  });

  it('cuts a long word (a URL) where it must, keeping within the bound', () => {
    const cut = truncateText(`https://${'a'.repeat(80)}.example/`, 40);
    expect(cut).toHaveLength(40);
    expect(cut.endsWith('…')).toBe(true);
  });

  it('never leaves half of an emoji', () => {
    const cut = truncateText(`${'x'.repeat(8)}🐿️🐿️🐿️`, 10);
    expect(cut).toBe(`${'x'.repeat(8)}…`);
  });
});
