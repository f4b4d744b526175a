import * as k8s from '@kubernetes/client-node';
import type { KubeObject } from './render.ts';

type Attribute = { baseName: string; type: string };

function attributes(type: string): Attribute[] | undefined {
  const model = (k8s as unknown as Record<string, any>)[type];
  return typeof model?.getAttributeTypeMap === 'function'
    ? model.getAttributeTypeMap()
    : undefined;
}

/** The client's model name of a built-in kind: apps/v1 Deployment → V1Deployment. */
export function modelName(o: Pick<KubeObject, 'apiVersion' | 'kind'>): string {
  const version = o.apiVersion.split('/').pop() ?? '';
  return `${version.charAt(0).toUpperCase()}${version.slice(1)}${o.kind}`;
}

/**
 * Fields the Kubernetes API does not know, as `kubeconform -strict` reports
 * them (the schemas of kubernetes-models accept any extra field, and the API
 * server would silently drop it: a misspelt `readinessProbe` is no probe).
 * Walks the object along @kubernetes/client-node's model of its kind.
 * Objects of other kinds (CRDs) are left to their schema.
 */
export function unknownFields(o: KubeObject): string[] {
  const type = modelName(o);
  if (!attributes(type)) return [];
  const problems: string[] = [];
  const walk = (value: unknown, typeName: string, path: string) => {
    if (value === null || value === undefined) return;
    const array = /^Array<(.+)>$/.exec(typeName);
    if (array) {
      if (Array.isArray(value)) {
        value.forEach((v, i) => walk(v, array[1], `${path}[${i}]`));
      }
      return;
    }
    const map = /^\{ \[key: string\]: (.+); \}$/.exec(typeName);
    if (map) {
      if (typeof value === 'object') {
        for (const [k, v] of Object.entries(value as object)) {
          walk(v, map[1], `${path}.${k}`);
        }
      }
      return;
    }
    const attrs = attributes(typeName);
    // Scalars, IntOrString, any: their types are the schema's business.
    if (!attrs || typeof value !== 'object' || Array.isArray(value)) return;
    for (const [key, v] of Object.entries(value as object)) {
      const attr = attrs.find(a => a.baseName === key);
      if (attr) walk(v, attr.type, path ? `${path}.${key}` : key);
      else problems.push(`${path ? `${path}.` : ''}${key}: unknown field`);
    }
  };
  walk(o, type, '');
  return problems;
}
