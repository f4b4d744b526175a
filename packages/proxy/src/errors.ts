/**
 * The one place that turns failures into responses. Every error the proxy
 * answers with is one of a fixed set of codes, each rendered as a static
 * branded page: no request input (host, path, header) is ever echoed back.
 */
import type { ServerResponse } from 'node:http';
import { renderPage, PageContent } from './pages';

export type ProxyErrorCode =
  | 'bad_request'
  | 'not_found'
  | 'unknown_host'
  | 'no_production_deployment'
  | 'unknown_deployment'
  | 'method_not_allowed'
  | 'rate_limited'
  | 'no_routes'
  | 'manifest_missing'
  | 'blob_missing'
  | 'internal';

/** An expected failure carrying the code of the response to send. */
export class ProxyError extends Error {
  readonly code: ProxyErrorCode;

  constructor(code: ProxyErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? code, options);
    this.name = 'ProxyError';
    this.code = code;
  }
}

const NOT_FOUND_PAGE: PageContent = {
  title: 'Not Found',
  heading: 'No deployment here',
  message:
    'There is nothing deployed at this address. Check the URL, or deploy a project to this domain.',
};

const ERROR_RESPONSES: Record<
  ProxyErrorCode,
  { status: number; page: PageContent; headers?: Record<string, string> }
> = {
  bad_request: {
    status: 400,
    page: {
      title: 'Bad Request',
      heading: 'Bad request',
      message: 'The requested path is not valid.',
    },
  },
  not_found: {
    status: 404,
    page: {
      title: 'Not Found',
      heading: 'Page not found',
      message: 'This deployment has no page at this path.',
    },
  },
  unknown_host: { status: 404, page: NOT_FOUND_PAGE },
  no_production_deployment: { status: 404, page: NOT_FOUND_PAGE },
  unknown_deployment: { status: 404, page: NOT_FOUND_PAGE },
  method_not_allowed: {
    status: 405,
    page: {
      title: 'Method Not Allowed',
      heading: 'Method not allowed',
      message: 'Deployments are read-only: only GET and HEAD are supported.',
    },
    headers: { Allow: 'GET, HEAD' },
  },
  rate_limited: {
    status: 429,
    page: {
      title: 'Too Many Requests',
      heading: 'Slow down',
      message: 'Too many requests from your address. Try again in a moment.',
    },
    headers: { 'Retry-After': '1' },
  },
  no_routes: {
    status: 503,
    page: {
      title: 'Service Unavailable',
      heading: 'Starting up',
      message:
        'The edge has not received its routing table yet. Try again in a moment.',
    },
    headers: { 'Retry-After': '5' },
  },
  manifest_missing: {
    status: 502,
    page: {
      title: 'Bad Gateway',
      heading: 'Deployment unavailable',
      message: 'The files of this deployment could not be read.',
    },
  },
  blob_missing: {
    status: 502,
    page: {
      title: 'Bad Gateway',
      heading: 'Deployment unavailable',
      message: 'A file of this deployment could not be read.',
    },
  },
  internal: {
    status: 500,
    page: {
      title: 'Internal Server Error',
      heading: 'Something went wrong',
      message: 'The edge could not serve this request.',
    },
  },
};

export interface ErrorResponse {
  status: number;
  code: ProxyErrorCode;
  headers: Record<string, string>;
  body: string;
}

/** Maps any thrown value to the response to send. Unknown errors are 500. */
export function errorResponse(error: unknown): ErrorResponse {
  const code: ProxyErrorCode =
    error instanceof ProxyError ? error.code : 'internal';
  const { status, page, headers } = ERROR_RESPONSES[code];
  const body = renderPage(status, page);
  return {
    status,
    code,
    body,
    headers: {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': String(Buffer.byteLength(body)),
      'Cache-Control': 'no-store',
      'X-Content-Type-Options': 'nosniff',
      'Content-Security-Policy':
        "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
      ...headers,
    },
  };
}

/**
 * Sends the response for `error`. When headers are already out (the error
 * happened mid-stream) the connection is destroyed instead, so the client
 * sees a truncated response rather than a corrupted one.
 */
export function sendError(
  res: ServerResponse,
  error: unknown,
  method: string | undefined,
): ErrorResponse | undefined {
  if (res.headersSent) {
    res.destroy();
    return undefined;
  }
  const response = errorResponse(error);
  res.writeHead(response.status, response.headers);
  res.end(method === 'HEAD' ? undefined : response.body);
  return response;
}
