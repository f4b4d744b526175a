export interface Config {
  /** Novahost: projects, deployments, builds, artifacts and the proxy. */
  novahost?: {
    /**
     * Entity refs of the groups (or users) whose members may do everything
     * on every project, read by this app's permission policy
     * (packages/backend/src/permissions). A bare name is a group in the
     * default namespace. Services are decided by their access restrictions
     * (backend.auth.externalAccess), not by this list.
     * @default []
     */
    admins?: string[];
    /** The link between projects and their catalog entities. */
    catalog?: {
      /**
       * How often the owner of catalog-linked projects is copied from their
       * entity's spec.owner (one replica at a time).
       * @default 60
       */
      ownerSyncIntervalSeconds?: number;
    };
    /** Where and how visitors reach deployed sites (read by the backend and by the proxy). */
    proxy?: {
      /**
       * Sites are served at `<slug>.<baseDomain>` and `<slug>-<shortId>.<baseDomain>`.
       * @default localhost
       * @visibility frontend
       */
      baseDomain?: string;
      /**
       * Scheme of the public site URLs.
       * @default http
       * @visibility frontend
       */
      publicScheme?: 'http' | 'https';
      /**
       * Port of the public site URLs; omitted from URLs when it is the scheme's default.
       * @visibility frontend
       */
      publicPort?: number;
      /** Where the proxy listens. */
      listen?: {
        /** @default 8080 */
        port?: number;
        /** @default all interfaces */
        host?: string;
      };
      /** The Novahost API as the proxy reaches it. Defaults to `${backend.baseUrl}/api/novahost`. */
      backendUrl?: string;
      /**
       * Static token the proxy presents to the backend's `/routes` endpoints.
       * Must also be listed in `backend.auth.externalAccess` (type static).
       * @visibility secret
       */
      token?: string;
      /** File where the proxy keeps the last routing table, to serve while the backend is down. */
      routesCacheFile?: string;
      /** Proxy health and readiness endpoints (`/healthz`, `/readyz`). */
      admin?: {
        /** @default 8081 */
        port?: number;
        /** @default all interfaces */
        host?: string;
      };
      /**
       * How the proxy reads blobs from the s3 store: the SDK's GetObject, or
       * a presigned GET URL (signed once per blob, reused) fetched with a
       * keep-alive client; faster in `yarn bench:proxy-s3`. @default presignedUrl
       */
      s3FetchMode?: 'getObject' | 'presignedUrl';
      /**
       * Send `Strict-Transport-Security: max-age=63072000; includeSubDomains`
       * on production hosts. Enable only when TLS is terminated in front of
       * the proxy. @default false
       */
      hsts?: boolean;
      /** Per-client-address rate limit; off when omitted. */
      rateLimit?: {
        requestsPerSecond: number;
        /** @default 2 × requestsPerSecond */
        burst?: number;
      };
      /** Memory for compressed blobs (each compressed once). @default 67108864 */
      compressionCacheBytes?: number;
      /** One JSON line per request on stdout. @default true */
      accessLog?: boolean;
      /** A client must send its request headers within this long (else 408). @default 10000 */
      headersTimeoutMs?: number;
      /** …and its whole request within this long. @default 30000 */
      requestTimeoutMs?: number;
    };

    /** Custom domains of projects. */
    domains?: {
      /**
       * DNS servers (`host` or `host:port`) used to look up verification TXT
       * records; the system's resolvers when omitted.
       */
      dnsServers?: string[];
    };

    /**
     * Feedback on GitHub for repositories on `integrations.github` (with a
     * GitHub App or a token): a commit status per deployment and one
     * comment per project on pull requests. Links go to `app.baseUrl`.
     */
    github?: {
      /** Post a commit status per deployment. @default true */
      statuses?: boolean;
      /** Keep one comment per project on each pull request. @default true */
      comments?: boolean;
      /** Statuses are named `<statusContext>/<project slug>`. @default novahost */
      statusContext?: string;
    };

    /** Build scheduling. */
    builds?: {
      /** Builds that run at once; the rest wait in the queue. @default 2 */
      concurrency?: number;
      /** A build running longer than this fails. @default 900 */
      timeoutSeconds?: number;
      /** Largest single file a build may upload. @default 104857600 */
      maxFileBytes?: number;
      /** Most files one deployment may have. @default 20000 */
      maxFiles?: number;
      /**
       * Most bytes (sum of file sizes) of one deployment's output; larger
       * builds fail at the manifest, before anything is uploaded.
       * @default 1073741824
       */
      maxOutputBytes?: number;
      /**
       * Log lines stored per deployment; past this (or maxLogBytes) the log
       * says it was truncated, later lines are dropped and the build
       * continues. @default 50000
       */
      maxLogLines?: number;
      /** UTF-8 bytes of log stored per deployment. @default 20971520 */
      maxLogBytes?: number;
      /**
       * Queued deployments one user (or service) may have across all
       * projects; more are refused with 429. @default 10
       */
      maxQueuedPerUser?: number;
      /**
       * The Node.js version of builds whose project names none (no
       * `.nvmrc`, `.node-version` or `engines.node`): a major (`22`), an
       * npm range or an nvm alias (`lts/*`, `lts/jod`). It must be one the
       * runner offers (novahost.runner.local.nodeDirectory, the build
       * image's /opt/node). @default lts/*
       */
      defaultNodeVersion?: string;
      /** How corepack fetches the pnpm or yarn a project names. */
      corepack?: {
        /**
         * COREPACK_INTEGRITY_KEYS of builds: the keys corepack checks
         * package managers' registry signatures with. `"0"` turns the check
         * off, for a registry mirror that serves no signatures (corepack
         * fails with "No compatible signature found in package
         * metadata"); or your registry's keys as JSON
         * (`{"npm":[{"keyid":…,"key":…}]}`). Unset: corepack's own keys
         * (the npm registry's).
         */
        integrityKeys?: string;
      };
      /**
       * The build cache (README: Build cache): package manager and
       * framework caches and node_modules, saved after a successful build
       * and restored before install, per project and branch.
       */
      cache?: {
        /** Restore and save build caches at all. @default true */
        enabled?: boolean;
        /**
         * What a project's entries may keep in the store (distinct
         * archives); past it the least recently used entries are evicted.
         * @default 2147483648
         */
        maxBytesPerProject?: number;
        /** Largest archive (compressed) of one entry. @default 536870912 */
        maxEntryBytes?: number;
        /** Most file content one archive may unpack to. @default 2147483648 */
        maxUnpackedBytes?: number;
      };
    };

    /**
     * The scheduled clean-up of old deployments (one replica at a time).
     * Kept: production, the `keepPerBranch` newest ready deployments of each
     * branch, what a routed alias serves, anything not finished.
     */
    retention?: {
      /** Run it at all. @default true */
      enabled?: boolean;
      /** Minutes between runs. @default 60 */
      intervalMinutes?: number;
      /**
       * Ready deployments kept per project and branch (older ones are
       * deleted; failed and canceled ones once this many newer ones
       * finished). At least 1. @default 10
       */
      keepPerBranch?: number;
      /**
       * Hours the previews of a closed pull request or deleted branch stay
       * after its alias is removed; then they and the alias are deleted.
       * @default 24
       */
      removedPreviewGraceHours?: number;
      /** Days webhook deliveries are remembered. @default 30 */
      webhookDeliveryDays?: number;
    };

    /**
     * The key of secret project variables (README: Environment variables
     * and secrets). Without `encryptionKey` or `keyFile`, secret variables
     * are refused; once one is stored, the backend does not start without
     * the key that encrypted it.
     */
    secrets?: {
      /**
       * AES-256-GCM key: the base64 of 32 random bytes
       * (`openssl rand -base64 32`). Production reads it from
       * NOVAHOST_SECRETS_KEY.
       * @visibility secret
       */
      encryptionKey?: string;
      /**
       * Keys of a rotation: they only decrypt, and what they encrypted is
       * encrypted again with `encryptionKey` at start-up.
       * @visibility secret
       */
      previousKeys?: string[];
      /**
       * Without `encryptionKey`: a file holding the key, generated (mode
       * 0600) on the first start. The embedded default keeps it in
       * .novahost/secrets.key.
       */
      keyFile?: string;
    };

    /** Limits per project. */
    projects?: {
      /**
       * Quota of what a project's deployments keep in the store: the size
       * of the distinct files they reference (content shared between its
       * deployments counts once). A deployment that would go past it fails
       * at the manifest. @default 5368709120
       */
      maxStoredBytes?: number;
    };

    /** Where builds run. */
    runner?:
      | {
          /** Builds run as child processes of the backend (embedded default). */
          type: 'local';
          local?: {
            /** The Novahost API as the build program reaches it. Defaults to the discovery URL of the novahost plugin. */
            apiUrl?: string;
            /** Path of the build program. Defaults to @internal/build-runner's src/main.ts. */
            program?: string;
            /** Parent directory of build work directories. Defaults to the OS temp directory. */
            workDirectory?: string;
            /**
             * A directory of Node.js installations builds may use, one per
             * subdirectory with `bin/node` (and npm, corepack), e.g.
             * `.tools/build-node/{20,22,24}` as scripts/setup.sh provisions
             * it (packages/build-runner/bin/provision-node). Relative to the
             * working directory. Without it and nodeInstallations, builds run on
             * the backend's own Node.
             */
            nodeDirectory?: string;
            /** More installations: directories holding `bin/node`, e.g. `/opt/node-20`. */
            nodeInstallations?: string[];
            /**
             * Run the user's install and build commands in a bubblewrap
             * sandbox (own user, PID, mount and network namespaces; only the
             * build's work directory writable; the internet only through an
             * egress proxy). Where it cannot run, builds are refused; false
             * runs them unsandboxed, as trusted code.
             * @default true
             */
            sandbox?: boolean;
            egress?: {
              /**
               * host:port destinations (IPv6 as [addr]:port) sandboxed builds
               * may reach although they are not public: the egress proxy
               * refuses loopback, private, CGNAT, link-local (cloud
               * metadata), unique-local, unspecified and multicast
               * addresses otherwise. E.g. a registry mirror on the LAN.
               * @default []
               */
              allow?: string[];
            };
          };
        }
      | {
          /** Builds run as Kubernetes Jobs (production). */
          type: 'kubernetes';
          kubernetes?: {
            /** Namespace of build Jobs. @default novahost-builds */
            namespace?: string;
            /** Image of the build program (packages/build-runner). */
            image?: string;
            /** Container command; the image's entrypoint when omitted. */
            command?: string[];
            /** e.g. IfNotPresent, Always. */
            imagePullPolicy?: string;
            /** The Novahost API as build pods reach it. */
            apiUrl?: string;
            /** API server URL; in-cluster config when omitted. */
            url?: string;
            /** Base64 CA bundle of the API server (with `url`). */
            caData?: string;
            /** With `url` only, for test clusters. @default false */
            skipTLSVerify?: boolean;
            /** @visibility secret */
            token?: string;
            /** Path of a kubeconfig file to use instead of in-cluster config. */
            kubeconfig?: string;
            resources?: {
              requests?: { cpu?: string; memory?: string };
              limits?: { cpu?: string; memory?: string };
            };
            /** Seconds a finished Job is kept. @default 600 */
            ttlSecondsAfterFinished?: number;
            /** Size limit of the build's writable work volume. @default 10Gi */
            workVolumeSize?: string;
            /** Service account of build pods (its token is never mounted). */
            serviceAccountName?: string;
            /**
             * Node labels build pods must run on: a dedicated build node
             * pool, e.g. `{ novahost.dev/pool: builds }`. A PID limit per
             * build is that pool's kubelet setting `podPidsLimit`
             * (Kubernetes has no pod field for it).
             */
            nodeSelector?: { [label: string]: string };
            /** Tolerations of the build node pool's taints. */
            tolerations?: Array<{
              key?: string;
              operator?: 'Exists' | 'Equal';
              value?: string;
              effect?: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
              tolerationSeconds?: number;
            }>;
            /** RuntimeClass of build pods: a sandboxed runtime, e.g. `gvisor` or `kata`. */
            runtimeClassName?: string;
          };
        };

    /** Where build output is stored. */
    store?:
      | {
          /** A directory on the backend's (and the proxy's) file system (embedded default). */
          type: 'local';
          local?: {
            /** Relative paths resolve against the process's working directory. @default ../../.novahost/artifacts */
            directory?: string;
          };
        }
      | {
          /** An S3-compatible bucket: Cloudflare R2, AWS S3, any S3 server. */
          type: 's3';
          s3?: {
            bucket: string;
            /** e.g. https://<account>.r2.cloudflarestorage.com */
            endpoint?: string;
            /** @default auto */
            region?: string;
            /** Path-style URLs (`endpoint/bucket/key`); needed by most S3 servers. @default false */
            forcePathStyle?: boolean;
            /** Key prefix, to share a bucket with other data. @default '' */
            prefix?: string;
            /** Lifetime of the presigned upload URLs handed to builds. @default 900 */
            presignExpirySeconds?: number;
            /**
             * Re-read each newly uploaded blob at finalize and check its SHA-256,
             * for servers that ignore the signed checksum header. @default true
             */
            verifyUploads?: boolean;
            /** Omit to use the AWS SDK's default credential chain. */
            credentials?: {
              accessKeyId: string;
              /** @visibility secret */
              secretAccessKey: string;
            };
          };
        };

    /** Fan-out of live build logs and route changes between backend replicas. */
    bus?:
      | {
          /** In-process only (a single backend). */
          type: 'memory';
        }
      | {
          /** Redis pub/sub (several replicas). */
          type: 'redis';
          redis?: {
            /** e.g. redis://127.0.0.1:6379 */
            url: string;
          };
        };
  };
}
