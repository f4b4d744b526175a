/**
 * The parts of an ArgoCD `Application` (argoproj.io/v1alpha1) that Backstage
 * shows. Responses carry more; these are the fields read.
 */

/** @public */
export type ArgoSource = {
  repoURL: string;
  path?: string;
  chart?: string;
  targetRevision?: string;
};

/** @public */
export type ArgoResourceStatus = {
  group?: string;
  version?: string;
  kind: string;
  namespace?: string;
  name: string;
  status?: string;
  health?: { status?: string; message?: string };
};

/** @public */
export type ArgoHistoryEntry = {
  id: number;
  revision?: string;
  revisions?: string[];
  deployedAt: string;
  deployStartedAt?: string;
  source?: ArgoSource;
  initiatedBy?: { username?: string; automated?: boolean };
};

/** @public */
export type ArgoApplication = {
  metadata: {
    name: string;
    namespace?: string;
    /** Added by the ArgoCD backend plugin: the configured instance the app came from. */
    instance?: { name: string; url: string };
  };
  spec?: {
    project?: string;
    source?: ArgoSource;
    sources?: ArgoSource[];
    destination?: { server?: string; name?: string; namespace?: string };
  };
  status?: {
    sync?: { status?: string; revision?: string; revisions?: string[] };
    health?: { status?: string; message?: string };
    conditions?: Array<{
      type: string;
      message?: string;
      lastTransitionTime?: string;
    }>;
    operationState?: {
      phase?: string;
      message?: string;
      startedAt?: string;
      finishedAt?: string;
      syncResult?: { revision?: string };
    };
    resources?: ArgoResourceStatus[];
    history?: ArgoHistoryEntry[];
    reconciledAt?: string;
  };
};

/** What the sync and refresh actions answer. @public */
export type ArgoActionResponse = {
  instance: string;
  application: string;
  syncStatus: string;
  healthStatus: string;
  /** For sync: the phase of the operation ArgoCD started (usually Running). */
  operationPhase?: string;
};
