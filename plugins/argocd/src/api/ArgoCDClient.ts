import { DiscoveryApi, FetchApi } from '@backstage/core-plugin-api';
import { ResponseError } from '@backstage/errors';
import {
  ArgoActionResponse,
  ArgoApplication,
} from '@internal/plugin-argocd-common';
import { ArgoActionTarget, ArgoCDApi } from './ArgoCDApi';

/** Plugin id of @backstage-community/plugin-argocd-backend (the read side). */
const VIEWS_PLUGIN = 'backstage-community-argocd';
/** Plugin id of @internal/plugin-argocd-actions-backend (sync, refresh). */
const ACTIONS_PLUGIN = 'argocd-actions';

/** @public */
export class ArgoCDClient implements ArgoCDApi {
  private readonly discoveryApi: DiscoveryApi;
  private readonly fetchApi: FetchApi;

  constructor(options: { discoveryApi: DiscoveryApi; fetchApi: FetchApi }) {
    this.discoveryApi = options.discoveryApi;
    this.fetchApi = options.fetchApi;
  }

  async getApplications(options: {
    appName: string;
    instanceName?: string;
  }): Promise<ArgoApplication[]> {
    const base = await this.discoveryApi.getBaseUrl(VIEWS_PLUGIN);
    const app = encodeURIComponent(options.appName);
    if (options.instanceName) {
      const instance = encodeURIComponent(options.instanceName);
      return [
        await this.json<ArgoApplication>(
          `${base}/argoInstance/${instance}/applications/${app}`,
        ),
      ];
    }
    const found = await this.json<Array<{ applications?: ArgoApplication[] }>>(
      `${base}/find/name/${app}?expand=applications`,
    );
    return found.flatMap(i => i.applications ?? []);
  }

  sync(target: ArgoActionTarget): Promise<ArgoActionResponse> {
    return this.action('sync', target);
  }

  refresh(
    target: ArgoActionTarget & { hard?: boolean },
  ): Promise<ArgoActionResponse> {
    return this.action('refresh', target);
  }

  private async action(
    action: 'sync' | 'refresh',
    { appName, ...body }: ArgoActionTarget & { hard?: boolean },
  ): Promise<ArgoActionResponse> {
    const base = await this.discoveryApi.getBaseUrl(ACTIONS_PLUGIN);
    return this.json<ArgoActionResponse>(
      `${base}/applications/${encodeURIComponent(appName)}/${action}`,
      {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
  }

  private async json<T>(url: string, init?: RequestInit): Promise<T> {
    const res = await this.fetchApi.fetch(url, init);
    if (!res.ok) {
      throw await ResponseError.fromResponse(res);
    }
    return (await res.json()) as T;
  }
}
