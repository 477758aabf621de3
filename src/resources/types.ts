// The shape of one resource definition: everything kube-apiserver keeps in a
// kind's strategy, printers and registry wiring, as plain data plus a few
// functions. One definition per kind; the registry table drives routing,
// discovery, tables, validation and storage from these.
import type { UserInfo } from '../authn/user';
import type { PolicyRule } from '../authz/rules';
import type { SchemaNode } from '../schema/types';

export type JSONValue = null | boolean | number | string | JSONValue[] | { [k: string]: JSONValue };

// Objects are handled as loose JSON: validation, not the type system, is what
// protects the store from bad client input.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KObject = Record<string, any>;

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** One entry of `details.causes` in an Invalid Status. `reason` uses metav1.CauseType values. */
export interface FieldError {
  reason: 'FieldValueRequired' | 'FieldValueInvalid' | 'FieldValueNotSupported' | 'FieldValueDuplicate' | 'FieldValueForbidden' | 'FieldValueTooLong' | 'FieldValueTypeInvalid' | 'FieldValueTooMany';
  field: string;
  message: string;
}

export type CellValue = string | number | boolean | null;

export interface TableColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  format?: string;
  description: string;
  /** 0 is shown by default, 1 only with -o wide. */
  priority?: number;
  cell(obj: KObject, now: number): CellValue;
}

export interface SubresourceDefinition {
  name: string; // "status", "scale", ...
  kind: string; // response kind, e.g. "Scale"
  group?: string;
  version?: string;
  verbs: Verb[];
}

export interface ResourceDefinition {
  group: string; // "" for core
  version: string;
  kind: string;
  /** Plural, lowercase: the URL segment. */
  resource: string;
  singular: string;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Defaults to ALL_VERBS. */
  verbs?: Verb[];
  /** DNS-1123 subdomain (default), DNS-1123 label, or a path segment name. */
  nameFormat?: 'subdomain' | 'label' | 'path';
  subresources?: SubresourceDefinition[];
  /** Field selectors beyond metadata.name / metadata.namespace, keyed by field path. */
  selectableFields?: Record<string, (obj: KObject) => string | undefined>;
  /** Old field-selector names the server rewrites (pods: spec.host -> spec.nodeName). */
  fieldAliases?: Record<string, string>;
  /** Fields outside metadata/status that are not "spec" for generation purposes are rare; by default every top-level field but metadata, status, apiVersion and kind bumps generation when it changes. Kinds without generation semantics set this false. */
  hasGeneration?: boolean;
  /** A status subresource exists: the main resource then ignores status changes (the update path keeps the stored status). */
  statusSubresource?: boolean;
  /**
   * What the kind's conversion to kube's internal form does on the way in, after the type
   * defaults of src/resources/defaults (a Secret's stringData merged into data). Mutates.
   */
  defaults?(obj: KObject): void;
  /** Create-only preparation (PrepareForCreate): e.g. initial status, or the requester (CSRs). Mutates. */
  prepareForCreate?(obj: KObject, user?: UserInfo): void;
  /** Update preparation (PrepareForUpdate): e.g. keep status. Mutates newObj. */
  prepareForUpdate?(newObj: KObject, oldObj: KObject): void;
  /** The status subresource's PrepareForUpdate, after the status was taken from the request. Mutates newObj. */
  prepareForStatusUpdate?(newObj: KObject, oldObj: KObject): void;
  /** Validation of the whole object, without metadata.name (checked generically); `old` is the stored object on updates. */
  validate?(obj: KObject, old?: KObject): FieldError[];
  /** Extra checks on update: immutable fields and the like. */
  validateUpdate?(newObj: KObject, oldObj: KObject): FieldError[];
  /** Table columns after Name (Name is always first). Missing means Name + Created At. */
  columns?: TableColumn[];
  /** The strategy's AllowCreateOnUpdate: a PUT of a missing object creates it (leases, endpoints, events, RBAC, ...). */
  allowCreateOnUpdate?: boolean;
  /** The strategy's AllowUnconditionalUpdate; false makes a PUT without a resourceVersion a 422. Default true. */
  allowUnconditionalUpdate?: boolean;
  /** Graceful deletion period in seconds, when the kind has one (pods). */
  gracePeriodSeconds?(obj: KObject): number;
  /** A delete answers with the deleted object instead of a Status (kube's ReturnDeletedObject). */
  returnDeletedObject?: boolean;
  /**
   * false for kinds served as JSON only: custom resources (as kube serves them), and kinds whose
   * Go JSON is custom (CustomResourceDefinition's JSONSchemaProps). Default true.
   */
  protobuf?: boolean;
  /** The kind's structural schema, for kinds not among the generated definitions (custom resources). */
  schema?: SchemaNode;
  /** The list kind, when it is not `<kind>List` (custom resources name theirs). */
  listKind?: string;
  /** Where a custom resource keeps what its scale subresource reads and writes. */
  scale?: { specReplicasPath: string; statusReplicasPath: string; labelSelectorPath?: string };
  /** false where strategic merge patch is refused (415): custom resources, whose types carry no patch metadata. */
  strategicMergePatch?: boolean;
  /** The custom resource's CRD is being deleted: no new objects (405), the rest still served. */
  terminating?: boolean;
  /** Sent as a `Warning` header with every request to a deprecated version. */
  deprecationWarning?: string;
  /** Set when objects are stored as another kind (see StorageConversion). */
  storage?: StorageConversion;
  /**
   * Kinds that are answers, never stored (access reviews): a create returns
   * the posted object with the answer filled in. Such kinds have no Table form.
   */
  review?(obj: KObject, reviewer: Reviewer): KObject | Promise<KObject>;
  /**
   * Kinds served by a handler of their own instead of the store (kube's REST
   * objects that are not a generic registry: bindings, componentstatuses); see api/virtual.ts.
   */
  virtual?: boolean;
}

/**
 * What review kinds answer from: the requesting user and the server's real
 * authenticator (and, for access reviews, its authorizer).
 */
export interface Reviewer {
  user: UserInfo;
  /** The user a bearer token stands for, as the request path would authenticate it. */
  authenticateToken(token: string): Promise<UserInfo | undefined>;
  /** The server's authorizer on one request's attributes. */
  authorize(attrs: ReviewAttributes): Promise<{ allowed: boolean; reason: string }>;
  /** Every rule that applies to a user in a namespace. */
  rules(user: UserInfo, namespace: string): Promise<PolicyRule[]>;
}

/** A request in an access review's terms (authorization.k8s.io ResourceAttributes or NonResourceAttributes). */
export interface ReviewAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup: string;
  apiVersion: string;
  resource: string;
  subresource: string;
  namespace: string;
  name: string;
}

/**
 * A kind served from another kind's storage with a conversion (events.k8s.io/v1
 * Event is stored as core/v1 Event, as kube-apiserver stores both in one place).
 */
export interface StorageConversion {
  /** group and resource whose objects this kind shares. */
  group: string;
  resource: string;
  /** stored form (the other kind) -> this kind's form. */
  fromStorage(obj: KObject): KObject;
  /** this kind's form -> stored form. */
  toStorage(obj: KObject): KObject;
}
