/**
 * Prometheus metrics of the proxy, in the text exposition format, served on
 * the admin port at /metrics.
 */
import type { CompressionCache } from './encoding';

const BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
];

export class Metrics {
  private readonly byStatus = new Map<string, number>();
  private readonly buckets = new Array(BUCKETS.length).fill(0);
  private count = 0;
  private sum = 0;
  private notModifiedCount = 0;
  private rateLimitedCount = 0;

  constructor(private readonly compression?: CompressionCache) {}

  observe(status: number, seconds: number): void {
    const key = String(status);
    this.byStatus.set(key, (this.byStatus.get(key) ?? 0) + 1);
    this.count++;
    this.sum += seconds;
    for (let i = BUCKETS.length - 1; i >= 0 && seconds <= BUCKETS[i]; i--) {
      this.buckets[i]++;
    }
  }

  notModified(): void {
    this.notModifiedCount++;
  }

  rateLimited(): void {
    this.rateLimitedCount++;
  }

  render(extra: Record<string, number> = {}): string {
    const lines: string[] = [
      '# HELP novahost_proxy_requests_total Requests answered, by status code.',
      '# TYPE novahost_proxy_requests_total counter',
    ];
    for (const [status, n] of [...this.byStatus].sort()) {
      lines.push(`novahost_proxy_requests_total{status="${status}"} ${n}`);
    }
    lines.push(
      '# HELP novahost_proxy_request_duration_seconds Time to answer a request.',
      '# TYPE novahost_proxy_request_duration_seconds histogram',
    );
    BUCKETS.forEach((le, i) =>
      lines.push(
        `novahost_proxy_request_duration_seconds_bucket{le="${le}"} ${this.buckets[i]}`,
      ),
    );
    lines.push(
      `novahost_proxy_request_duration_seconds_bucket{le="+Inf"} ${this.count}`,
      `novahost_proxy_request_duration_seconds_sum ${this.sum}`,
      `novahost_proxy_request_duration_seconds_count ${this.count}`,
      '# HELP novahost_proxy_not_modified_total Conditional requests answered with 304 (client cache hits).',
      '# TYPE novahost_proxy_not_modified_total counter',
      `novahost_proxy_not_modified_total ${this.notModifiedCount}`,
      '# HELP novahost_proxy_rate_limited_total Requests refused by the per-IP rate limit.',
      '# TYPE novahost_proxy_rate_limited_total counter',
      `novahost_proxy_rate_limited_total ${this.rateLimitedCount}`,
    );
    if (this.compression) {
      lines.push(
        '# HELP novahost_proxy_compression_cache_hits_total Compressed responses served from the cache.',
        '# TYPE novahost_proxy_compression_cache_hits_total counter',
        `novahost_proxy_compression_cache_hits_total ${this.compression.hits}`,
        '# HELP novahost_proxy_compression_cache_misses_total Blobs compressed (once per blob and encoding).',
        '# TYPE novahost_proxy_compression_cache_misses_total counter',
        `novahost_proxy_compression_cache_misses_total ${this.compression.misses}`,
      );
    }
    for (const [name, value] of Object.entries(extra)) {
      lines.push(`# TYPE ${name} gauge`, `${name} ${value}`);
    }
    return `${lines.join('\n')}\n`;
  }
}
