import { secretForms } from '../redact';

type Entry = {
  /** Clear values: what the deployment's spec carried, and its project's secrets. */
  values: Set<string>;
  forms: string[];
  /** When the project's secrets were read (0: never). */
  fetchedAt: number;
  usedAt: number;
};

/** How long a deployment's masks are used before its project's secrets are read again. */
const TTL_MS = 30_000;
/** A deployment not asked about for this long is forgotten. */
const FORGET_MS = 60 * 60_000;

/**
 * What a deployment's log lines and errors must not show: every form
 * (secretForms) of the secrets its build got and of its project's current
 * secrets, so a line stored by any replica, from any step, is masked. Read
 * again at most every 30 seconds per deployment; values a build got stay
 * masked after the project changed them.
 */
export class SecretMasks {
  private readonly entries = new Map<string, Entry>();
  private readonly loading = new Map<string, Promise<string[]>>();

  constructor(
    /** The clear secret values of the deployment's project. */
    private readonly load: (deploymentId: string) => Promise<string[]>,
    private readonly now: () => number = Date.now,
  ) {}

  /** Adds the values a deployment's build was given (its spec). */
  remember(deploymentId: string, values: string[]): void {
    const entry = this.entries.get(deploymentId);
    const all = new Set([...(entry?.values ?? []), ...values]);
    this.entries.set(deploymentId, {
      values: all,
      forms: formsOf(all),
      fetchedAt: entry?.fetchedAt ?? 0,
      usedAt: this.now(),
    });
  }

  /** The strings to mask in the deployment's output, longest first. */
  async forms(deploymentId: string): Promise<string[]> {
    const entry = this.entries.get(deploymentId);
    if (entry) entry.usedAt = this.now();
    if (entry && this.now() - entry.fetchedAt < TTL_MS) return entry.forms;
    let pending = this.loading.get(deploymentId);
    if (!pending) {
      pending = this.refresh(deploymentId).finally(() =>
        this.loading.delete(deploymentId),
      );
      this.loading.set(deploymentId, pending);
    }
    try {
      return await pending;
    } catch (e) {
      // The database is down: what was known still masks.
      if (entry) return entry.forms;
      throw e;
    }
  }

  /** Forgets a deployment's values (also done after an hour unused). */
  forget(deploymentId: string): void {
    this.entries.delete(deploymentId);
  }

  private async refresh(deploymentId: string): Promise<string[]> {
    const loaded = await this.load(deploymentId);
    const now = this.now();
    for (const [id, e] of this.entries) {
      if (now - e.usedAt > FORGET_MS) this.entries.delete(id);
    }
    const values = new Set([
      ...(this.entries.get(deploymentId)?.values ?? []),
      ...loaded,
    ]);
    const forms = formsOf(values);
    this.entries.set(deploymentId, {
      values,
      forms,
      fetchedAt: now,
      usedAt: now,
    });
    return forms;
  }
}

function formsOf(values: Iterable<string>): string[] {
  const forms = new Set<string>();
  for (const v of values) for (const f of secretForms(v)) forms.add(f);
  return [...forms].sort((a, b) => b.length - a.length);
}
