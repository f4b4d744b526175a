/**
 * Pieces of the simulated Kubernetes API (fakeKubernetes.ts): label
 * selectors, Status objects, and the v1 Secret endpoints with the garbage
 * collector's rule for them (a Secret whose owners are all gone is deleted).
 */
import { randomUUID } from 'crypto';
import http from 'http';
import { Secret } from 'kubernetes-models/v1';

export type Obj = Record<string, any>;
export type Selector = (labels: Record<string, string> | undefined) => boolean;

export function parseSelector(raw: string | null): Selector {
  if (!raw) return () => true;
  const terms = raw.split(',').map(t => t.split('='));
  return labels => terms.every(([k, v]) => labels?.[k] === v);
}

export function status(code: number, reason: string, message: string): Obj {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    reason,
    message,
    code,
  };
}

export const copy = <T>(o: T): T => JSON.parse(JSON.stringify(o));

export const send = (res: http.ServerResponse, code: number, body: Obj) => {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

/** The v1 Secrets of the simulated cluster. */
export class FakeSecrets {
  /** Stored Secrets by namespace/name. */
  readonly stored = new Map<string, Obj>();
  /** Every Secret created, as it was posted. */
  readonly created: Obj[] = [];

  constructor(
    private readonly o: {
      bump: (o: Obj) => void;
      validationErrors: string[];
      /** The uids of the objects that exist and can own a Secret (Jobs). */
      jobUids: () => Set<string>;
    },
  ) {}

  get(namespace: string, name: string): Obj | undefined {
    return this.stored.get(`${namespace}/${name}`);
  }

  /** The garbage collector: a Secret whose owners are all gone is deleted. */
  collectGarbage() {
    const uids = this.o.jobUids();
    for (const [key, secret] of this.stored) {
      const owners: Obj[] = secret.metadata.ownerReferences ?? [];
      if (owners.length && !owners.some(o => uids.has(o.uid))) {
        this.stored.delete(key);
      }
    }
  }

  /** POST, GET and DELETE of `/api/v1/namespaces/{ns}/secrets[/{name}]`. */
  handle(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    ns: string,
    name: string | undefined,
    body: Obj | undefined,
  ) {
    if (!name && req.method === 'POST') {
      this.create(res, ns, body);
      return;
    }
    const secret = name ? this.get(ns, name) : undefined;
    if (!name || !secret) {
      send(res, 404, status(404, 'NotFound', `secrets "${name}" not found`));
      return;
    }
    if (req.method === 'GET') {
      send(res, 200, secret);
      return;
    }
    if (req.method === 'DELETE') {
      this.stored.delete(`${ns}/${name}`);
      send(res, 200, { kind: 'Status', apiVersion: 'v1', status: 'Success' });
      return;
    }
    send(res, 405, status(405, 'MethodNotAllowed', 'method not allowed'));
  }

  private create(res: http.ServerResponse, ns: string, body: Obj | undefined) {
    try {
      new Secret(body as any).validate();
    } catch (e) {
      this.o.validationErrors.push(String(e));
      send(res, 422, status(422, 'Invalid', `Secret is invalid: ${e}`));
      return;
    }
    const name = body!.metadata.name;
    if (this.get(ns, name)) {
      send(
        res,
        409,
        status(409, 'AlreadyExists', `secrets "${name}" already exists`),
      );
      return;
    }
    const secret = {
      ...body,
      metadata: {
        ...body!.metadata,
        namespace: ns,
        uid: randomUUID(),
        creationTimestamp: new Date().toISOString(),
      },
    };
    this.o.bump(secret);
    this.stored.set(`${ns}/${name}`, secret);
    this.created.push(copy(body!));
    // An owner that does not exist: the garbage collector takes it soon.
    setTimeout(() => this.collectGarbage(), 100).unref();
    send(res, 201, secret);
  }
}
