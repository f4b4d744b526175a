import { createApiRef } from '@backstage/core-plugin-api';
import {
  ArgoActionResponse,
  ArgoApplication,
} from '@internal/plugin-argocd-common';

/** Which application to act on, and the entity that authorizes it. @public */
export type ArgoActionTarget = {
  appName: string;
  entityRef: string;
  /** The instance the application came from. */
  instance?: string;
};

/** @public */
export interface ArgoCDApi {
  /**
   * The entity's application: from the named instance, or from every
   * configured instance when the entity names none (there may be several).
   */
  getApplications(options: {
    appName: string;
    instanceName?: string;
  }): Promise<ArgoApplication[]>;
  sync(target: ArgoActionTarget): Promise<ArgoActionResponse>;
  refresh(
    target: ArgoActionTarget & { hard?: boolean },
  ): Promise<ArgoActionResponse>;
}

/** @public */
export const argocdApiRef = createApiRef<ArgoCDApi>({
  id: 'plugin.argocd.service',
});
