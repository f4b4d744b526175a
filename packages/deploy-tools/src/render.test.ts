import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergedValues, renderChart } from './index.ts';

/** A small chart exercising what helm does and the renderer must match. */
function fixtureChart(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'novahost-render-'));
  mkdirSync(join(dir, 'templates'));
  for (const [name, text] of Object.entries({
    'Chart.yaml':
      'apiVersion: v2\nname: demo\nversion: 1.2.3\nappVersion: "4.5"\n',
    'values.yaml':
      'replicas: 3\nbig: 1000000\nlabels:\n  a: "1"\n  drop: me\nmsg: hello\n',
    ...files,
  })) {
    writeFileSync(join(dir, name), text);
  }
  return dir;
}

const CM = `apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "demo.name" . }}
  namespace: {{ .Release.Namespace }}
data:
  chart: {{ printf "%s-%s-%s" .Chart.Name .Chart.Version .Chart.AppVersion | quote }}
  replicas: {{ .Values.replicas | quote }}
  tpl: {{ tpl "{{ .Values.msg }} from {{ .Release.Name }}" . | quote }}
  yaml: |
    {{- toYaml .Values.labels | nindent 4 }}
  big: {{ toYaml .Values.big | quote }}
`;
const HELPERS =
  '{{- define "demo.name" -}}{{ .Release.Name }}-{{ .Chart.Name }}{{- end -}}';

describe('charts/tools/render (helm semantics)', () => {
  it('renders include, tpl, toYaml, .Chart and .Release like helm template', () => {
    const chart = fixtureChart({
      'templates/cm.yaml': CM,
      'templates/_helpers.tpl': HELPERS,
    });
    const { objects, text } = renderChart({
      chart,
      releaseName: 'r1',
      namespace: 'ns1',
    });
    expect(text).toContain('# Source: demo/templates/cm.yaml');
    expect(objects).toEqual([
      {
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: { name: 'r1-demo', namespace: 'ns1' },
        data: {
          chart: 'demo-1.2.3-4.5',
          replicas: '3',
          tpl: 'hello from r1',
          yaml: 'a: "1"\ndrop: me\n',
          // helm reads values through JSON (float64) yet toYaml keeps integers.
          big: '1000000',
        },
      },
    ]);
  });

  it('merges values files deeply, a null deleting a key, then --set', () => {
    const chart = fixtureChart({});
    const extra = join(chart, 'extra.yaml');
    writeFileSync(extra, 'labels:\n  b: "2"\n  drop: null\nmsg: bye\n');
    expect(
      mergedValues({
        chart,
        valueFiles: [extra],
        set: { replicas: 5, 'x.y': 'true' },
      }),
    ).toEqual({
      replicas: 5,
      big: 1000000,
      labels: { a: '1', b: '2' },
      msg: 'bye',
      x: { y: true },
    });
  });

  it('fails on required values and, strictly, on missing keys', () => {
    const chart = fixtureChart({
      'templates/a.yaml': 'x: {{ required "msg2 is required" .Values.msg2 }}\n',
    });
    expect(() => renderChart({ chart, strict: false })).toThrow(
      /msg2 is required/,
    );
    const strict = fixtureChart({
      'templates/a.yaml': 'x: {{ .Values.nope }}\n',
    });
    expect(() => renderChart({ chart: strict })).toThrow(
      /map has no entry for key "nope"/,
    );
    expect(renderChart({ chart: strict, strict: false }).objects).toEqual([
      { x: null },
    ]);
  });

  it('skips partials, NOTES.txt and empty output, and orders objects as helm installs them', () => {
    const chart = fixtureChart({
      'templates/_helpers.tpl': HELPERS,
      'templates/NOTES.txt': 'Thanks for installing {{ .Chart.Name }}',
      'templates/a-deploy.yaml':
        'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n',
      'templates/b-empty.yaml': '{{- if false }}\nkind: Secret\n{{- end }}\n',
      'templates/c-ns.yaml':
        'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: n\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s\n',
    });
    expect(renderChart({ chart }).objects.map(o => o.kind)).toEqual([
      'Namespace',
      'ServiceAccount',
      'Deployment',
    ]);
  });

  it('refuses subcharts, which it does not implement', () => {
    const chart = fixtureChart({
      'Chart.yaml':
        'apiVersion: v2\nname: demo\nversion: 1.0.0\ndependencies:\n  - name: redis\n    version: 1.0.0\n',
    });
    expect(() => renderChart({ chart })).toThrow(
      /subcharts\) are not supported/,
    );
  });
});
