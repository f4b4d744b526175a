import * as argoV1alpha1 from '@kubernetes-models/argo-cd/argoproj.io/v1alpha1';
import * as certManagerV1 from '@kubernetes-models/cert-manager/cert-manager.io/v1';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as batchV1 from 'kubernetes-models/batch/v1';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as rbacV1 from 'kubernetes-models/rbac.authorization.k8s.io/v1';
import * as coreV1 from 'kubernetes-models/v1';
import type { KubeObject } from './render.ts';
import { unknownFields } from './strictFields.ts';

type Model = new (data: any) => { validate(): void };

/**
 * The schemas objects are checked against: Kubernetes' own (the OpenAPI
 * schemas kubernetes-models ships) and the CRDs the chart and the ArgoCD
 * manifests use (cert-manager, Argo CD). An object of any other
 * apiVersion/kind is an error: nothing goes unchecked.
 */
const GROUPS: Record<string, Record<string, unknown>> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'batch/v1': batchV1,
  'policy/v1': policyV1,
  'autoscaling/v2': autoscalingV2,
  'networking.k8s.io/v1': networkingV1,
  'rbac.authorization.k8s.io/v1': rbacV1,
  'cert-manager.io/v1': certManagerV1,
  'argoproj.io/v1alpha1': argoV1alpha1,
};

export type ValidationProblem = { object: string; message: string };

export function describe(o: Partial<KubeObject>): string {
  const ns = o?.metadata?.namespace ? `${o.metadata.namespace}/` : '';
  return `${o?.apiVersion ?? '?'} ${o?.kind ?? '?'} ${ns}${
    o?.metadata?.name ?? '?'
  }`;
}

function modelFor(o: Partial<KubeObject>): Model | undefined {
  const group = o.apiVersion ? GROUPS[o.apiVersion] : undefined;
  const model = group && o.kind ? group[o.kind] : undefined;
  return typeof model === 'function' ? (model as Model) : undefined;
}

/** Validates one object against its schema; returns the problems found. */
export function validateObject(o: Partial<KubeObject>): ValidationProblem[] {
  const object = describe(o);
  if (!o || typeof o !== 'object') {
    return [{ object, message: 'not an object' }];
  }
  const Model = modelFor(o);
  if (!Model) {
    return [
      {
        object,
        message: `no schema for apiVersion ${o.apiVersion} kind ${o.kind}`,
      },
    ];
  }
  const problems: ValidationProblem[] = [];
  if (!o.metadata?.name) {
    problems.push({ object, message: 'metadata.name is missing' });
  }
  try {
    new Model(structuredClone(o)).validate();
  } catch (e: any) {
    const details: any[] = e?.details ?? [];
    if (details.length) {
      for (const d of details) {
        problems.push({
          object,
          message: `${d.instancePath || d.dataPath || '/'} ${d.message}${
            d.params ? ` ${JSON.stringify(d.params)}` : ''
          }`,
        });
      }
    } else {
      problems.push({ object, message: String(e?.message ?? e) });
    }
  }
  for (const message of unknownFields(o as KubeObject)) {
    problems.push({ object, message });
  }
  return problems;
}

/** Validates many objects; also flags two objects with the same identity. */
export function validateObjects(objects: KubeObject[]): ValidationProblem[] {
  const problems = objects.flatMap(validateObject);
  const seen = new Set<string>();
  for (const o of objects) {
    const id = describe(o);
    if (seen.has(id))
      problems.push({ object: id, message: 'duplicate object' });
    seen.add(id);
  }
  return problems;
}
