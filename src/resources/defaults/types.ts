import type { KObject } from '../types';

/** A type's SetDefaults function: fills what kube fills into an object of that type, in place. */
export type TypeDefaults = (obj: KObject) => void;

export const isObject = (v: unknown): v is KObject => !!v && typeof v === 'object' && !Array.isArray(v);

export const api = (pkg: string, type: string) => `k8s.io.api.${pkg}.${type}`;
