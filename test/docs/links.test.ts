import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Sections move between the README and docs/: every relative link and #anchor in the project's markdown must
// still land on a file and a heading that exist.

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SKIPPED_DIRS = new Set(['node_modules', '.git', 'cdk.out', '.squirrel', 'coverage']);

function markdownFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.isDirectory()) {
      return SKIPPED_DIRS.has(entry.name) || entry.name.startsWith('cdk.out')
        ? []
        : markdownFiles(join(dir, entry.name));
    }
    return entry.name.endsWith('.md') ? [join(dir, entry.name)] : [];
  });
}

/** The lines outside fenced code blocks (a `# comment` in a shell example is not a heading). */
function proseLines(text: string): string[] {
  let isInFence = false;
  return text.split('\n').filter((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      isInFence = !isInFence;
      return false;
    }
    return !isInFence;
  });
}

/** GitHub's anchor for a heading: lower case, markup and punctuation dropped, spaces to hyphens. */
function githubSlug(heading: string): string {
  return heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replaceAll(' ', '-');
}

/** Every anchor a file offers: its headings' slugs (repeats get -1, -2, as on GitHub) and explicit ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of proseLines(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const slug = githubSlug(heading);
      const count = seen.get(slug) ?? 0;
      seen.set(slug, count + 1);
      anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    for (const match of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] ?? '');
  }
  return anchors;
}

interface Link {
  readonly file: string;
  readonly target: string;
}

/** Relative links and in-page anchors (web addresses are not followed). */
function linksOf(file: string, text: string): Link[] {
  const links: Link[] = [];
  for (const line of proseLines(text)) {
    const withoutCode = line.replace(/`[^`]*`/g, '');
    for (const match of withoutCode.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
      const target = match[1] ?? '';
      if (!/^[a-z][a-z0-9+.-]*:/i.test(target)) links.push({ file, target });
    }
  }
  return links;
}

function brokenLinks(): string[] {
  const files = markdownFiles(REPO_ROOT);
  const anchorCache = new Map<string, Set<string>>();
  const anchors = (path: string) => {
    let cached = anchorCache.get(path);
    if (cached === undefined) {
      cached = anchorsOf(readFileSync(path, 'utf8'));
      anchorCache.set(path, cached);
    }
    return cached;
  };
  const broken: string[] = [];
  for (const file of files) {
    for (const link of linksOf(file, readFileSync(file, 'utf8'))) {
      const [pathPart = '', anchor] = link.target.split('#');
      const targetPath = pathPart === '' ? file : join(dirname(file), decodeURIComponent(pathPart));
      const where = `${relative(REPO_ROOT, file)}: (${link.target})`;
      if (!existsSync(targetPath)) broken.push(`${where} no such file`);
      else if (anchor !== undefined && targetPath.endsWith('.md') && !anchors(targetPath).has(anchor)) {
        broken.push(`${where} no heading with that anchor in ${relative(REPO_ROOT, targetPath)}`);
      }
    }
  }
  return broken;
}

describe('markdown links', () => {
  it.each([
    ['Fault injection: what was tried, what users saw', 'fault-injection-what-was-tried-what-users-saw'],
    ['The `squirrel` CLI', 'the-squirrel-cli'],
    ["What Lambda's CPU share changed", 'what-lambdas-cpu-share-changed'],
    ['1,000,000 sites in a minute on AWS (on paper)', '1000000-sites-in-a-minute-on-aws-on-paper'],
    ['One run (`npm run bench`, 2 × AMD EPYC)', 'one-run-npm-run-bench-2--amd-epyc'],
  ])('slugs %j as GitHub does: %s', (heading, slug) => {
    expect(githubSlug(heading)).toBe(slug);
  });

  it('finds a broken anchor and a missing file', () => {
    // Prepare
    const text = '# Title\n\n```sh\n# not a heading\n```\n[a](#title) [b](#not-a-heading) [c](nowhere.md)\n';

    // Assess
    expect([...anchorsOf(text)]).toEqual(['title']);
    expect(linksOf('x.md', text).map((link) => link.target)).toEqual([
      '#title',
      '#not-a-heading',
      'nowhere.md',
    ]);
  });

  it('every relative link and #anchor in the README, docs/ and the other markdown files lands', () => {
    expect(brokenLinks()).toEqual([]);
  });
});
