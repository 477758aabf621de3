// Every served kind, in discovery order. One import and one entry per kind.
import type { ResourceDefinition } from '../types';
import { pods } from './core/pods';
import { configmaps } from './core/configmaps';

export const DEFINITIONS: ResourceDefinition[] = [
  pods,
  configmaps,
];
