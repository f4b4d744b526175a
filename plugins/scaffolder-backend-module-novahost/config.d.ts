export interface Config {
  novahost?: {
    scaffolder?: {
      /**
       * Where templates publish when the form leaves it to the
       * configuration: `local` (novahost:publish:local) or `github`.
       * Default: local when the local publisher is on, else github.
       */
      publisher?: 'local' | 'github';
      github?: {
        /**
         * Organization or user of new GitHub repositories when a template is
         * published "as configured": `<owner>/<project name>`.
         */
        owner?: string;
      };
      /**
       * The `novahost:publish:local` action and the local git URL reader:
       * templates publish to bare repositories in this directory, which the
       * local build runner clones and the catalog reads. Off unless
       * `novahost.runner.type` is `local` (Kubernetes build pods could not
       * clone a path on this machine).
       */
      localPublisher?: {
        /** Directory of the bare repositories; relative to the backend's working directory. */
        directory?: string;
      };
    };
  };
}
