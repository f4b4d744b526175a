export interface Config {
  /**
   * ArgoCD instances. The same section the ArgoCD backend plugin
   * (@backstage-community/plugin-argocd-backend) reads for the views; the
   * sync and refresh actions use the same instances and credentials.
   */
  argocd?: {
    appLocatorMethods?: Array<{
      /** Only `config` is supported. */
      type: 'config';
      instances: Array<{
        /** Name entities refer to with the `argocd/instance-name` annotation. */
        name: string;
        /** Base URL of the ArgoCD API server, e.g. https://argocd.example.com */
        url: string;
        /**
         * ArgoCD API token (an account with `applications, get` and
         * `applications, sync` in ArgoCD's RBAC).
         * @visibility secret
         */
        token?: string;
        /**
         * Instead of a token: a local ArgoCD account to open a session with.
         */
        username?: string;
        /** @visibility secret */
        password?: string;
      }>;
    }>;
    actions?: {
      /**
       * How long one call to ArgoCD may take before it fails as unreachable.
       * Default 15.
       */
      requestTimeoutSeconds?: number;
    };
  };
}
