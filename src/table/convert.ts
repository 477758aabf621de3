// meta.k8s.io/v1 Table output, as kube-apiserver's TableConvertor produces it
// from a kind's printer columns; Name comes first, the default columns are
// Name and Created At.
import type { CellValue, KObject, ResourceDefinition, TableColumn } from '../resources/types';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

const NAME_COLUMN = {
  name: 'Name', type: 'string', format: 'name', priority: 0,
  description: 'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
};

const CREATED_AT: TableColumn = {
  name: 'Created At', type: 'date', description: 'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
  cell: (o) => o.metadata?.creationTimestamp ?? null,
};

const NAME: TableColumn = { ...NAME_COLUMN, type: 'string', cell: (o) => o.metadata?.name ?? '' };

/** A kind's columns; Name leads unless the kind places its own Name column (events print it last). */
function columnsOf(def: ResourceDefinition): TableColumn[] {
  const cols = def.columns ?? [CREATED_AT];
  return cols.some((c) => c.name === 'Name') ? cols : [NAME, ...cols];
}

export function columnDefinitions(def: ResourceDefinition) {
  return columnsOf(def).map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description, priority: c.priority ?? 0 }));
}

export function tableRow(def: ResourceDefinition, obj: KObject, include: IncludeObject, now: number) {
  const cells: CellValue[] = columnsOf(def).map((c) => {
    try { return c.cell(obj, now); } catch { return '<unknown>'; }
  });
  const row: { cells: CellValue[]; object?: KObject } = { cells };
  if (include === 'Object') row.object = obj;
  else if (include === 'Metadata') row.object = { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata ?? {} };
  return row;
}

export function toTable(def: ResourceDefinition, objects: KObject[], meta: Record<string, unknown>, include: IncludeObject, withColumns = true) {
  const now = Date.now();
  return {
    kind: 'Table', apiVersion: 'meta.k8s.io/v1', metadata: meta,
    // Watch events after the first may omit the definitions, as kube's do.
    columnDefinitions: withColumns ? columnDefinitions(def) : [],
    rows: objects.map((o) => tableRow(def, o, include, now)),
  };
}
