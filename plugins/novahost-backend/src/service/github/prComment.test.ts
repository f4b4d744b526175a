import {
  commentMarker,
  escapeMarkdown,
  isCommentOf,
  renderPullRequestComment,
} from './prComment';

const view = {
  projectId: 'p1',
  projectName: 'Docs | site',
  status: 'ready' as const,
  error: null,
  commitSha: 'abcdef0123456789abcdef0123456789abcdef01',
  commitUrl:
    'https://github.com/acme/site/commit/abcdef0123456789abcdef0123456789abcdef01',
  previewUrl: 'https://docs-git-feature.example.app',
  pageUrl: 'https://backstage.example.com/novahost/deployments/d1',
  updatedAt: new Date('2026-12-03T10:15:42Z'),
};

describe('renderPullRequestComment', () => {
  it('is a table with the status, preview, commit, build log and time, under the marker', () => {
    const body = renderPullRequestComment(view);
    expect(body.split('\n')[0]).toBe('<!-- novahost:p1 -->');
    expect(isCommentOf('p1', body)).toBe(true);
    expect(isCommentOf('p2', body)).toBe(false);
    expect(body).toContain(
      '| Docs \\| site | ✅ Ready | [docs-git-feature.example.app](https://docs-git-feature.example.app/) | [abcdef0](https://github.com/acme/site/commit/abcdef0123456789abcdef0123456789abcdef01) | [Build log](https://backstage.example.com/novahost/deployments/d1) | 2026-12-03 10:15 UTC |',
    );
  });

  it('shows the reason of a failure, escaped, and no preview before there is one', () => {
    const body = renderPullRequestComment({
      ...view,
      status: 'failed',
      previewUrl: undefined,
      error: 'Build failed: <script>alert(1)</script> [x](y)\nstack',
    });
    expect(body).toContain('| ❌ Failed | — |');
    expect(body).toContain(
      '> Build failed: \\<script\\>alert\\(1\\)\\</script\\> \\[x\\]\\(y\\)',
    );
    expect(body).not.toContain('stack');
  });
});

describe('markers and escaping', () => {
  it('finds only comments that start with the marker', () => {
    expect(isCommentOf('p1', `  ${commentMarker('p1')}\nhello`)).toBe(true);
    expect(isCommentOf('p1', `quote: ${commentMarker('p1')}`)).toBe(false);
    expect(isCommentOf('p1', undefined)).toBe(false);
  });

  it('escapes markup', () => {
    expect(escapeMarkdown('a*b_c`d|e\nf')).toBe('a\\*b\\_c\\`d\\|e f');
  });
});
