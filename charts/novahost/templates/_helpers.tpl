{{/* Chart name, truncated to the 63 characters a label allows. */}}
{{- define "novahost.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Fully qualified app name: the release name, unless it already contains the chart name. */}}
{{- define "novahost.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "novahost.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "novahost.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: novahost
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "backend"). */}}
{{- define "novahost.selectorLabels" -}}
app.kubernetes.io/name: {{ include "novahost.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "novahost.componentLabels" -}}
{{ include "novahost.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "novahost.backend.fullname" -}}
{{- printf "%s-backend" (include "novahost.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "novahost.proxy.fullname" -}}
{{- printf "%s-proxy" (include "novahost.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* image reference: (dict "image" .Values.backend.image "root" $) */}}
{{- define "novahost.image" -}}
{{- $tag := .image.tag | default .root.Chart.AppVersion -}}
{{- if .image.digest -}}
{{- printf "%s@%s" .image.repository .image.digest -}}
{{- else -}}
{{- printf "%s:%s" .image.repository (toString $tag) -}}
{{- end -}}
{{- end -}}

{{- define "novahost.portalHost" -}}
{{- required "portal.host is required (the Backstage host name)" .Values.portal.host -}}
{{- end -}}

{{- define "novahost.domain" -}}
{{- required "domain is required (sites are served at <slug>.<domain>)" .Values.domain -}}
{{- end -}}

{{- define "novahost.tlsSecretName" -}}
{{- .Values.tls.secretName | default (printf "%s-tls" (include "novahost.fullname" .)) -}}
{{- end -}}

{{/* The Novahost API as the proxy and build pods reach it, inside the cluster. */}}
{{- define "novahost.internalApiUrl" -}}
{{- printf "http://%s.%s.svc.%s:%d/api/novahost" (include "novahost.backend.fullname" .) .Release.Namespace .Values.clusterDomain (int .Values.backend.service.port) -}}
{{- end -}}

{{/*
The registrable domain ("eTLD+1") of a host name, approximated because a
template has no Public Suffix List: the last two labels, or the last three
when the second-to-last is a common second-level label (co, com, net, org,
gov, ac, edu: example.co.uk, example.com.au). Errs towards a shorter
registrable domain, i.e. towards refusing, never towards allowing.
*/}}
{{- define "novahost.registrableDomain" -}}
{{- $labels := splitList "." (lower .) -}}
{{- $n := len $labels -}}
{{- $keep := 2 -}}
{{- if and (ge $n 3) (has (index $labels (sub $n 2)) (list "co" "com" "net" "org" "gov" "ac" "edu")) -}}
{{- $keep = 3 -}}
{{- end -}}
{{- join "." (slice $labels (max 0 (sub $n $keep))) -}}
{{- end -}}

{{/*
Checks that cannot be said in values.schema.json. The portal must not be a
one-label name under the site domain, or a project with that slug would be
shadowed by it. Nor may it share a registrable domain with the sites: a
site's page can set a cookie for the registrable domain (Domain=...), which
the browser then sends to the portal (cookie tossing: fixing a session or
CSRF cookie).
*/}}
{{- define "novahost.validate" -}}
{{- $domain := include "novahost.domain" . -}}
{{- $portal := include "novahost.portalHost" . -}}
{{- if hasSuffix (printf ".%s" $domain) $portal -}}
{{- $label := trimSuffix (printf ".%s" $domain) $portal -}}
{{- if not (contains "." $label) -}}
{{- fail (printf "portal.host %s is a site host under *.%s (a project with slug %q would collide): use a host outside the site domain" $portal $domain $label) -}}
{{- end -}}
{{- end -}}
{{- $registrable := include "novahost.registrableDomain" $domain -}}
{{- if eq $registrable (include "novahost.registrableDomain" $portal) -}}
{{- fail (printf "portal.host %s and domain %s share the registrable domain %s: any site could set cookies for %s that the portal receives (cookie tossing). Serve the sites from a registrable domain of their own (e.g. portal.novahost.example with sites under novahost-sites.example) and, in production, add the sites' domain to the Public Suffix List (https://publicsuffix.org) so sites cannot set cookies for each other either" $portal $domain $registrable $registrable) -}}
{{- end -}}
{{- $a := .Values.proxy.autoscaling -}}
{{- if and $a.enabled (gt (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- fail (printf "proxy.autoscaling.minReplicas (%d) is above maxReplicas (%d)" (int $a.minReplicas) (int $a.maxReplicas)) -}}
{{- end -}}
{{- if and .Values.certManager.clusterIssuer.create (not .Values.certManager.clusterIssuer.email) -}}
{{- fail "certManager.clusterIssuer.email is required to create the ACME ClusterIssuer" -}}
{{- end -}}
{{- end -}}

{{/* Pod-level security context shared by the chart's pods. */}}
{{- define "novahost.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 1000
runAsGroup: 1000
fsGroup: 1000
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "novahost.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* An env var from a referenced secret: (dict "name" "X" "secret" "s" "key" "k" "optional" false) */}}
{{- define "novahost.secretEnv" -}}
- name: {{ .name }}
  valueFrom:
    secretKeyRef:
      name: {{ .secret }}
      key: {{ .key }}
      {{- if get . "optional" }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Environment of both the backend and the proxy: store and shared token. */}}
{{- define "novahost.sharedEnv" -}}
- name: NOVAHOST_BASE_DOMAIN
  value: {{ include "novahost.domain" . | quote }}
- name: NOVAHOST_PORTAL_URL
  value: {{ printf "https://%s" (include "novahost.portalHost" .) | quote }}
- name: NOVAHOST_PROXY_BACKEND_URL
  value: {{ include "novahost.internalApiUrl" . | quote }}
- name: R2_BUCKET
  value: {{ required "r2.bucket is required" .Values.r2.bucket | quote }}
- name: R2_ENDPOINT
  value: {{ required "r2.endpoint is required" .Values.r2.endpoint | quote }}
{{ include "novahost.secretEnv" (dict "name" "R2_ACCESS_KEY_ID" "secret" .Values.r2.existingSecret "key" .Values.r2.accessKeyIdKey) }}
{{ include "novahost.secretEnv" (dict "name" "R2_SECRET_ACCESS_KEY" "secret" .Values.r2.existingSecret "key" .Values.r2.secretAccessKeyKey) }}
{{ include "novahost.secretEnv" (dict "name" "NOVAHOST_PROXY_TOKEN" "secret" .Values.auth.existingSecret "key" .Values.auth.proxyTokenKey) }}
{{- end -}}
