/**
 * PATCH bodies as the Kubernetes API server applies them (k8s.io/apiserver
 * pkg/endpoints/handlers/patch.go), for the three content types kubectl sends:
 *
 *   Content-Type                              PatchType    sent by
 *   application/strategic-merge-patch+json    strategic    `kubectl apply` re-apply, `kubectl patch`
 *   application/merge-patch+json              merge        `kubectl patch --type merge`, `label`, `annotate`, `scale`
 *   application/json-patch+json               json         `kubectl patch --type json`
 *
 * Browser-safe (no `node:` imports). Every function works on a private deep copy: inputs are
 * never mutated and results share no objects with them. Property names are set as own
 * properties, so a `"__proto__"` key in a patch is data, never a prototype change.
 *
 * Failures throw `PatchError`, carrying the HTTP status and Status reason the API server
 * answers with (see `PatchError`).
 */

import { SvcnetError } from '../model/errors.js';

export type PatchType = 'strategic' | 'merge' | 'json';

/** The media type of each patch type. */
export const PATCH_CONTENT_TYPES: Readonly<Record<PatchType, string>> = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
};

/**
 * Maps an HTTP Content-Type to a PatchType: application/strategic-merge-patch+json,
 * application/merge-patch+json, application/json-patch+json; undefined otherwise (the server
 * answers 415). Parameters (`; charset=utf-8`) and case are ignored. Server-side apply
 * (`application/apply-patch+yaml`) is not supported and gives undefined.
 */
export function patchTypeOf(contentType: string | undefined): PatchType | undefined {
  if (contentType === undefined) return undefined;
  const mediaType = contentType.split(';', 1)[0].trim().toLowerCase();
  for (const type of ['strategic', 'merge', 'json'] as const) {
    if (PATCH_CONTENT_TYPES[type] === mediaType) return type;
  }
  return undefined;
}

/**
 * Returns a new object (never mutates `original`). `kind` selects the strategic-merge schema.
 * Throws PatchError on a malformed patch, and when the patch does not leave an object behind:
 * a merge patch must itself be an object (evanphx/json-patch `MergePatch` answers
 * `Invalid JSON Patch` otherwise), a JSON patch may not replace the document by a non-object.
 * `original` must be an object (a TypeError otherwise: that is a caller bug, not a bad request).
 */
export function applyPatch(original: unknown, patch: unknown, type: PatchType, kind: string): unknown {
  if (!isObject(original)) throw new TypeError(`applyPatch: the original ${kind} must be a JSON object`);
  switch (type) {
    case 'strategic':
      return applyStrategicMergePatch(original, patch, kind);
    case 'merge':
      if (!isObject(patch)) throw new PatchError('Invalid JSON Patch', { httpStatus: 400 });
      return applyMergePatch(original, patch);
    case 'json': {
      const patched = applyJsonPatch(original, patch);
      if (!isObject(patched)) throw new PatchError('the patched document is not a JSON object', { httpStatus: 422 });
      return patched;
    }
  }
}

// ---------------------------------------------------------------------------- errors

/** The Status reason the API server pairs with each HTTP status a patch can fail with. */
const STATUS_REASONS = {
  400: 'BadRequest',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  // A plain Go error reaches the client as `StatusReasonUnknown`, which is the empty string.
  500: '',
} as const;

export type PatchErrorStatus = keyof typeof STATUS_REASONS;

/** `Status.message` of `NewGenericServerResponse(422, …)` (k8s.io/apimachinery pkg/api/errors). */
export const GENERIC_INVALID_MESSAGE = 'the server rejected our request due to an error in our request';

/**
 * A patch that cannot be applied. `message` says what is wrong and where: strategic-merge
 * errors are `<field path>: <upstream text>` (`spec.ports[0]: map: map[targetPort:441] does
 * not contain declared merge key: port`), JSON patch errors name the JSON pointer.
 *
 * `httpStatus` and `code` (the Status reason) are what the API server answers:
 * - 400 BadRequest: a body that does not decode as the patch type, and the strategic-merge
 *   format errors that `interpretStrategicMergePatchError` (patch.go) maps to BadRequest
 *   (`$retainKeys`, `$deleteFromPrimitiveList`, `$setElementOrder` key format).
 * - 422 Invalid: every failure of a decoded JSON patch (a failed `test`, a missing path), and
 *   strategic-merge lists of lists. The server answers with `GENERIC_INVALID_MESSAGE` and puts
 *   the detail in `details.causes[0].message`: see `statusMessage` and `causes`.
 * - 500 with reason '' (StatusReasonUnknown): the other strategic-merge errors (missing merge
 *   key, unknown `$patch`), which the API server passes on as plain Go errors; kubectl prints
 *   them as `Error from server: <message>`.
 * - 413 for more than `MAX_JSON_PATCH_OPERATIONS` operations, 415 for a strategic merge patch
 *   of a kind without a strategic-merge schema.
 */
export class PatchError extends SvcnetError {
  /** Where the patch failed: a field path for merge patches, a JSON pointer for JSON patches; '' for the whole body. */
  readonly path: string;
  /** `Status.message` as the API server words it. */
  readonly statusMessage: string;
  /** `Status.details.causes` (only 422 answers have one). */
  readonly causes: readonly { message: string }[];

  constructor(message: string, options: { path?: string; httpStatus?: PatchErrorStatus } = {}) {
    const httpStatus = options.httpStatus ?? 400;
    super(STATUS_REASONS[httpStatus], message, httpStatus);
    this.path = options.path ?? '';
    if (httpStatus === 422) {
      this.statusMessage = GENERIC_INVALID_MESSAGE;
      this.causes = [{ message }];
    } else {
      // NewRequestEntityTooLargeError prefixes its message.
      this.statusMessage = httpStatus === 413 ? `Request entity too large: ${message}` : message;
      this.causes = [];
    }
  }
}

function failure(path: string, detail: string, httpStatus: PatchErrorStatus): PatchError {
  return new PatchError(path === '' ? detail : `${path}: ${detail}`, { path, httpStatus });
}

// ---------------------------------------------------------------------------- JSON values

type Json = null | boolean | number | string | Json[] | JsonObject;
interface JsonObject {
  [key: string]: Json;
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function hasOwn(object: object, key: string): boolean {
  return Object.prototype.hasOwnProperty.call(object, key);
}

function getOwn(object: JsonObject, key: string): Json | undefined {
  return hasOwn(object, key) ? object[key] : undefined;
}

/** Sets an own property, also for `__proto__`, which plain assignment would turn into a prototype change. */
function setOwn(object: JsonObject, key: string, value: Json): void {
  if (key === '__proto__') Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
  else object[key] = value;
}

function deleteOwn(object: JsonObject, key: string): void {
  if (hasOwn(object, key)) delete object[key];
}

/** Own entries, skipping `undefined` values (which JSON cannot hold). */
function ownEntries(object: JsonObject): [string, Json][] {
  return Object.keys(object)
    .filter((key) => object[key] !== undefined)
    .map((key) => [key, object[key]]);
}

/** A deep copy; `undefined` members are dropped as JSON.stringify would. */
function cloneJson(value: unknown): Json {
  if (Array.isArray(value)) return value.map(cloneJson);
  if (isObject(value)) {
    const copy: JsonObject = {};
    for (const [key, member] of ownEntries(value)) setOwn(copy, key, cloneJson(member));
    return copy;
  }
  return value as Json;
}

/** JSON equality: objects by members regardless of order, arrays element-wise, numbers by value. */
function deepEqual(a: Json | undefined, b: Json | undefined): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((e, i) => deepEqual(e, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => hasOwn(b, k) && deepEqual(a[k], b[k]));
  }
  return false;
}

type Shape = 'object' | 'array' | 'scalar';

function shapeOf(value: Json): Shape {
  return Array.isArray(value) ? 'array' : isObject(value) ? 'object' : 'scalar';
}

// ------------------------------------------------------------- Go renderings for messages
// Upstream error texts print values with Go's `%v` (maps with sorted keys) and types with
// `reflect.TypeOf`; the API server decodes integers as int64 (UnmarshalCaseSensitivePreserveInts).

function goFormat(value: Json | undefined): string {
  if (value === null || value === undefined) return '<nil>';
  if (Array.isArray(value)) return `[${value.map(goFormat).join(' ')}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `map[${keys.map((k) => `${k}:${goFormat(value[k])}`).join(' ')}]`;
  }
  if (typeof value === 'number') return goNumber(value);
  return String(value);
}

/** `%v` of an int64, or of a float64 (`%g`, shortest digits: exponent form below 1e-4 and from 1e6). */
function goNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 2 ** 63) return BigInt(n).toString();
  if (!Number.isFinite(n)) return n > 0 ? '+Inf' : n < 0 ? '-Inf' : 'NaN';
  const [mantissa, exponentText] = n.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  return String(n);
}

function goTypeName(value: Json | undefined): string {
  if (value === null || value === undefined) return '%!s(<nil>)';
  if (Array.isArray(value)) return '[]interface {}';
  if (isObject(value)) return 'map[string]interface {}';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int64' : 'float64';
  return typeof value === 'boolean' ? 'bool' : 'string';
}

/** `%s` of an interface value: strings as they are, anything else as Go's `%!s(type=value)`. */
function goString(value: Json | undefined): string {
  if (typeof value === 'string') return value;
  return value === null || value === undefined ? '%!s(<nil>)' : `%!s(${goTypeName(value)}=${goFormat(value)})`;
}

/** What encoding/json names a value in `cannot unmarshal X into Go value of type …`. */
function goJsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (isObject(value)) return 'object';
  if (typeof value === 'boolean') return 'bool';
  return typeof value === 'number' ? 'number' : 'string';
}

// ------------------------------------------------------------ strategic merge patch schema

/**
 * Strategic-merge metadata of one struct field: the `patchStrategy` / `patchMergeKey` Go
 * struct tags of k8s.io/api (core/v1, apps/v1, discovery/v1, networking/v1 types.go).
 */
interface FieldMeta {
  /**
   * Present for `patchStrategy:"merge"` lists: the `patchMergeKey` of a list of structs, or ''
   * for a list of scalars (merged as a set). Absent: the list is atomic and a patch replaces it.
   */
  readonly mergeKey?: string;
  /** Schema of the field's struct, or of the struct a list holds. */
  readonly struct?: StructSchema;
}

/** Fields of a Go struct that need more than the default (maps merge, lists are atomic). */
type StructSchema = Readonly<Record<string, FieldMeta>>;

function mergedBy(mergeKey: string, struct?: StructSchema): FieldMeta {
  return { mergeKey, struct };
}

function nested(struct: StructSchema): FieldMeta {
  return { struct };
}

/** `patchStrategy:"merge"` on a list of strings: union on merge, `$deleteFromPrimitiveList` to remove. */
const SCALAR_SET: FieldMeta = { mergeKey: '' };

// `patchStrategy:"retainKeys"` (Deployment `spec.strategy`, PodSpec `volumes`) only changes how
// clients build patches: the server honours a `$retainKeys` directive wherever it appears
// (applyRetainKeysDirective reads no schema), so the table leaves it out.

const CONDITIONS = mergedBy('type');

const OBJECT_META: StructSchema = {
  finalizers: SCALAR_SET,
  ownerReferences: mergedBy('uid'),
};

const CONTAINER: StructSchema = {
  ports: mergedBy('containerPort'),
  env: mergedBy('name'),
  volumeMounts: mergedBy('mountPath'),
  volumeDevices: mergedBy('devicePath'),
};

// Atomic in PodSpec: tolerations, readinessGates, and every list inside affinity and securityContext.
const POD_SPEC: StructSchema = {
  volumes: mergedBy('name'),
  initContainers: mergedBy('name', CONTAINER),
  containers: mergedBy('name', CONTAINER),
  ephemeralContainers: mergedBy('name', CONTAINER),
  imagePullSecrets: mergedBy('name'),
  hostAliases: mergedBy('ip'),
  topologySpreadConstraints: mergedBy('topologyKey'),
  schedulingGates: mergedBy('name'),
  resourceClaims: mergedBy('name'),
};

// Atomic in PodStatus: containerStatuses, initContainerStatuses, ephemeralContainerStatuses.
const POD_STATUS: StructSchema = {
  conditions: CONDITIONS,
  podIPs: mergedBy('ip'),
  hostIPs: mergedBy('ip'),
  resourceClaimStatuses: mergedBy('name'),
};

const POD_TEMPLATE_SPEC: StructSchema = { metadata: nested(OBJECT_META), spec: nested(POD_SPEC) };

const WORKLOAD: StructSchema = {
  metadata: nested(OBJECT_META),
  spec: nested({ template: nested(POD_TEMPLATE_SPEC) }),
  status: nested({ conditions: CONDITIONS }),
};

/**
 * Per kind, the fields whose lists merge. Lists not named here are atomic, among them the
 * ones people expect to merge: Service `externalIPs`/`clusterIPs`/`ipFamilies`, Node `taints`,
 * Pod `tolerations`, every EndpointSlice list (`+listType=atomic` in discovery/v1) and Endpoints
 * `subsets`. Service `ports` is `+listMapKey=port +listMapKey=protocol` for server-side apply,
 * but its SMP `patchMergeKey` is `port` alone: two ports sharing a number merge into the first.
 */
const STRATEGIC_MERGE_SCHEMAS: ReadonlyMap<string, StructSchema> = new Map<string, StructSchema>([
  [
    'Service',
    {
      metadata: nested(OBJECT_META),
      spec: nested({ ports: mergedBy('port') }),
      status: nested({ conditions: CONDITIONS }),
    },
  ],
  ['Pod', { metadata: nested(OBJECT_META), spec: nested(POD_SPEC), status: nested(POD_STATUS) }],
  ['Deployment', WORKLOAD],
  ['ReplicaSet', WORKLOAD],
  [
    'Node',
    {
      metadata: nested(OBJECT_META),
      spec: nested({ podCIDRs: SCALAR_SET }),
      status: nested({ conditions: CONDITIONS, addresses: mergedBy('type') }),
    },
  ],
  ['Namespace', { metadata: nested(OBJECT_META), status: nested({ conditions: CONDITIONS }) }],
  ['ServiceCIDR', { metadata: nested(OBJECT_META), status: nested({ conditions: CONDITIONS }) }],
  ['Endpoints', { metadata: nested(OBJECT_META) }],
  ['EndpointSlice', { metadata: nested(OBJECT_META) }],
]);

function fieldMeta(schema: StructSchema | undefined, key: string): FieldMeta | undefined {
  return schema !== undefined && hasOwn(schema, key) ? schema[key] : undefined;
}

// ------------------------------------------------------------------- strategic merge patch

const DIRECTIVE = '$patch';
const RETAIN_KEYS = '$retainKeys';
const DELETE_FROM_PRIMITIVE_LIST = '$deleteFromPrimitiveList';
const SET_ELEMENT_ORDER = '$setElementOrder';

// k8s.io/apimachinery pkg/util/mergepatch/errors.go
const ERR_PRIMITIVE_LIST = 'invalid patch format of primitive list';
const ERR_RETAIN_KEYS = 'invalid patch format of retainKeys';
const ERR_SET_ELEMENT_ORDER = 'invalid patch format of setElementOrder list';

function noMergeKey(path: string, element: Json, mergeKey: string): PatchError {
  return failure(path, `map: ${goFormat(element)} does not contain declared merge key: ${mergeKey}`, 500);
}

function badArgType(path: string, expected: string, actual: Json | undefined): PatchError {
  return failure(path, `expected a ${expected}, but received a ${goTypeName(actual)}`, 500);
}

function childPath(path: string, key: string): string {
  if (/[.[\]]/.test(key)) return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

/**
 * Strategic merge patch, as `StrategicMergeMapPatch` applies it on the server
 * (k8s.io/apimachinery pkg/util/strategicpatch/patch.go, `MergeParallelList` and
 * `IgnoreUnmatchedNulls` set):
 *
 * - Maps merge recursively; `null` deletes a key.
 * - Lists with a `patchMergeKey` merge element-wise by that key, then the result is ordered
 *   (`normalizeElementOrder`): patch elements in patch order, server-only elements in their
 *   own order, a server-only element going first only when it stood before the next patch
 *   element in the original. So without `$setElementOrder`, new elements lead.
 * - Lists of scalars with `patchStrategy: merge` (`metadata.finalizers`) are unioned.
 * - Other lists are atomic: the patch's list replaces the original.
 * - `$patch: replace` in a map replaces the map; `$patch: delete` empties it. As a list element,
 *   `{$patch: delete, <key>: v}` removes the element with that merge key value and
 *   `{$patch: replace}` makes the rest of the patch list the whole list. `$patch: merge` is
 *   rejected upstream ("merging lists cannot yet be specified"), and so here.
 * - `$deleteFromPrimitiveList/<field>: [...]` removes scalars; `$setElementOrder/<field>: [...]`
 *   fixes the order of the merged list; `$retainKeys: [...]` clears every key not listed.
 *
 * Where upstream takes a patch value as it is — the field is absent from the original or of
 * another type (it drops null members and `$patch` maps: `removeDirectives`, kubernetes#117568),
 * or the list is atomic (it keeps everything) — the value is merged into an empty value here:
 * nulls and `$patch` markers go, and the directives it holds apply (`$patch: replace` keeps its
 * content rather than vanishing, `$setElementOrder/…` orders rather than leaking into the object).
 * Also: a `$deleteFromPrimitiveList/…` value must be a list (400; upstream ignores or misapplies
 * it), and a `$setElementOrder` over two empty lists is a no-op (upstream: "no elements in any
 * of the given slices").
 */
export function applyStrategicMergePatch(original: unknown, patch: unknown, kind: string): unknown {
  const schema = STRATEGIC_MERGE_SCHEMAS.get(kind);
  if (schema === undefined) {
    // What the API server answers for kinds without Go types (custom resources).
    throw new PatchError(
      `the body of the request was in an unknown format - accepted media types include: ${PATCH_CONTENT_TYPES.json}, ${PATCH_CONTENT_TYPES.merge}`,
      { httpStatus: 415 },
    );
  }
  if (!isObject(original)) throw new TypeError(`applyStrategicMergePatch: the original ${kind} must be a JSON object`);
  const copy = cloneJson(original) as JsonObject;
  // Go decodes a `null` body into an empty map: nothing changes.
  if (patch === null) return copy;
  if (!isObject(patch)) {
    throw new PatchError(`json: cannot unmarshal ${goJsonKind(patch)} into Go value of type map[string]interface {}`, { httpStatus: 400 });
  }
  return mergeMap(copy, patch, schema, '');
}

/** `mergeMap`. Works in place on `original` (a private copy) and returns the merged map. */
function mergeMap(original: JsonObject, patch: JsonObject, schema: StructSchema | undefined, path: string): JsonObject {
  if (hasOwn(patch, DIRECTIVE)) {
    const directive = patch[DIRECTIVE];
    if (directive === 'replace') {
      const replacement: JsonObject = {};
      for (const [key, value] of ownEntries(patch)) if (key !== DIRECTIVE) setOwn(replacement, key, value);
      return mergeMap({}, replacement, schema, path);
    }
    if (directive === 'delete') return {};
    throw failure(path, `unknown patch type: ${goString(directive)} in map: ${goFormat(patch)}`, 500);
  }

  const pending = new Map(ownEntries(patch));
  applyRetainKeys(original, pending, path);
  applySetElementOrders(original, pending, schema, path);

  for (const [patchKey, patchValue] of pending) {
    let key = patchKey;
    const isDeleteList = patchKey.startsWith(DELETE_FROM_PRIMITIVE_LIST);
    if (isDeleteList) {
      key = directiveTarget(patchKey, DELETE_FROM_PRIMITIVE_LIST, ERR_PRIMITIVE_LIST, childPath(path, patchKey));
      if (!Array.isArray(patchValue)) throw failure(childPath(path, patchKey), ERR_PRIMITIVE_LIST, 400);
    }
    const at = childPath(path, key);
    if (patchValue === null) {
      deleteOwn(original, key);
      continue;
    }
    const meta = fieldMeta(schema, key);
    const current = getOwn(original, key);
    if (current === undefined || shapeOf(current) !== shapeOf(patchValue)) {
      if (!isDeleteList) setMaterialized(original, key, patchValue, meta, at);
      continue;
    }
    if (isObject(current) && isObject(patchValue)) {
      setOwn(original, key, mergeMap(current, patchValue, meta?.struct, at));
    } else if (Array.isArray(current) && Array.isArray(patchValue)) {
      // Delete lists apply whatever the field's strategy (kubernetes#110472).
      const merges = meta?.mergeKey !== undefined || isDeleteList;
      setOwn(original, key, merges ? mergeList(current, patchValue, meta, isDeleteList, at) : materializeList(patchValue, meta?.struct, at));
    } else {
      setOwn(original, key, patchValue);
    }
  }
  return original;
}

/** `$retainKeys`: every key of the patch must be listed; keys of the original that are not are cleared. */
function applyRetainKeys(original: JsonObject, pending: Map<string, Json>, path: string): void {
  if (!pending.has(RETAIN_KEYS)) return;
  const retained = pending.get(RETAIN_KEYS);
  pending.delete(RETAIN_KEYS);
  if (!Array.isArray(retained)) throw failure(path, ERR_RETAIN_KEYS, 400);
  for (const [key, value] of pending) {
    if (value === null || key.startsWith(DELETE_FROM_PRIMITIVE_LIST) || key.startsWith(SET_ELEMENT_ORDER)) continue;
    if (!retained.includes(key)) throw failure(path, ERR_RETAIN_KEYS, 400);
  }
  for (const key of Object.keys(original)) {
    if (!retained.includes(key)) delete original[key];
  }
}

/** The field a `$directive/<field>` key names (`extractKey`). */
function directiveTarget(patchKey: string, prefix: string, formatError: string, path: string): string {
  const slash = patchKey.indexOf('/');
  if (slash < 0 || patchKey.slice(0, slash) !== prefix) throw failure(path, formatError, 400);
  return patchKey.slice(slash + 1);
}

/**
 * `mergePatchIntoOriginal`: each `$setElementOrder/<field>` list is merged together with the
 * patch's `<field>` list, and the result ordered with precedence `$setElementOrder` > patch
 * order > server order (design proposal "preserve order in strategic merge patch"). Both keys
 * are consumed from `pending`.
 */
function applySetElementOrders(original: JsonObject, pending: Map<string, Json>, schema: StructSchema | undefined, path: string): void {
  for (const [patchKey, order] of [...pending]) {
    if (!patchKey.startsWith(SET_ELEMENT_ORDER)) continue;
    pending.delete(patchKey);
    const at = childPath(path, patchKey);
    if (!Array.isArray(order)) throw badArgType(at, '[]interface {}', order);
    const key = directiveTarget(patchKey, SET_ELEMENT_ORDER, ERR_SET_ELEMENT_ORDER, at);
    const fieldAt = childPath(path, key);
    const current = getOwn(original, key);
    const inPatch = pending.has(key);
    const patchList = pending.get(key);
    if (current !== undefined && !Array.isArray(current)) throw badArgType(fieldAt, '[]interface {}', current);
    if (inPatch && !Array.isArray(patchList)) throw badArgType(fieldAt, '[]interface {}', patchList);
    const originalList = current as Json[] | undefined;
    const patchItems = patchList as Json[] | undefined;

    const meta = fieldMeta(schema, key);
    const mergeKey = meta?.mergeKey ?? '';
    checkOrderAgainstPatch(patchItems ?? [], order, mergeKey, at);

    let merged: Json[];
    if (originalList !== undefined && patchItems !== undefined) {
      merged = meta?.mergeKey !== undefined ? mergeList(originalList, patchItems, meta, false, fieldAt) : materializeList(patchItems, meta?.struct, fieldAt);
    } else if (patchItems !== undefined) {
      merged = materializeList(patchItems, meta?.struct, fieldAt);
    } else if (originalList !== undefined) {
      merged = originalList;
    } else {
      continue;
    }
    pending.delete(key);
    if (merged.length === 0) {
      setOwn(original, key, merged);
      continue;
    }
    const kind = elementKind(fieldAt, originalList ?? [], patchItems ?? []);
    const [ordered, serverOnly] = partition(merged, order, mergeKey, at);
    setOwn(original, key, normalizeElementOrder(ordered, serverOnly, order, originalList ?? [], mergeKey, kind, at));
  }
}

/**
 * `validatePatchWithSetOrderList`: the patch list (deletions aside) must follow the
 * `$setElementOrder` list's relative order and be a subset of it.
 */
function checkOrderAgainstPatch(patchList: Json[], order: Json[], mergeKey: string, path: string): void {
  if (order.length === 0 || patchList.length === 0) return;
  let kept = patchList;
  if (mergeKey !== '') {
    kept = patchList.filter((element) => {
      if (!isObject(element)) throw badArgType(path, 'map[string]interface {}', element);
      return getOwn(element, DIRECTIVE) !== 'delete';
    });
  }
  let patchIndex = 0;
  let orderIndex = 0;
  while (patchIndex < kept.length && orderIndex < order.length) {
    const element = kept[patchIndex];
    if (isObject(element) && hasOwn(element, DIRECTIVE)) {
      patchIndex++;
      continue;
    }
    if (mergeKeysEqual(element, order[orderIndex], mergeKey, path)) patchIndex++;
    orderIndex++;
  }
  if (patchIndex < kept.length) {
    throw failure(path, `the order in patch list:\n${goFormat(patchList)}\n doesn't match ${SET_ELEMENT_ORDER} list:\n${goFormat(order)}`, 500);
  }
}

/** `mergeKeyValueEqual`: scalars by value; maps by their merge key, which both must have. */
function mergeKeysEqual(left: Json, right: Json, mergeKey: string, path: string): boolean {
  if (mergeKey === '') return deepEqual(left, right);
  if (!isObject(left)) throw badArgType(path, 'map[string]interface {}', left);
  if (!isObject(right)) throw badArgType(path, 'map[string]interface {}', right);
  if (!hasOwn(left, mergeKey)) throw noMergeKey(path, left, mergeKey);
  if (!hasOwn(right, mergeKey)) throw noMergeKey(path, right, mergeKey);
  return left[mergeKey] === right[mergeKey];
}

type ElementKind = 'map' | 'scalar';

/** `sliceElementType`: every element of both lists has one Go type, and none is a list. */
function elementKind(path: string, ...lists: Json[][]): ElementKind {
  let type: string | undefined;
  for (const list of lists) {
    for (const element of list) {
      if (Array.isArray(element)) throw failure(path, 'lists of lists are not supported', 422);
      const elementType = goTypeName(element);
      if (type === undefined) type = elementType;
      else if (type !== elementType) throw failure(path, `list element types are not identical: ${goFormat(lists)}`, 500);
    }
  }
  return type === 'map[string]interface {}' ? 'map' : 'scalar';
}

/** `mergeSliceHandler` → `mergeSlice` for a merging (or delete) list present in both. */
function mergeList(original: Json[], patch: Json[], meta: FieldMeta | undefined, isDeleteList: boolean, path: string): Json[] {
  if (original.length === 0 && patch.length === 0) return original;
  const kind = elementKind(path, original, patch);
  const mergeKey = meta?.mergeKey ?? '';
  let remaining = original;
  let additions = patch;
  let merged: Json[];
  if (kind === 'scalar') {
    if (isDeleteList) return original.filter((value) => !patch.some((removed) => deepEqual(value, removed)));
    merged = uniqueScalars([...original, ...patch]);
  } else {
    if (mergeKey === '') throw failure(path, `cannot merge lists without merge key for ${path}`, 500);
    ({ remaining, additions } = applyElementDirectives(original, patch, mergeKey, meta?.struct, path));
    merged = mergeByKey(remaining, additions, mergeKey, meta?.struct, path, patch);
  }
  const [inPatch, serverOnly] = partition(merged, additions, mergeKey, path);
  return normalizeElementOrder(inPatch, serverOnly, additions, remaining, mergeKey, kind, path);
}

/** `deduplicateScalars`, keeping first occurrences (the order is normalized afterwards). */
function uniqueScalars(values: Json[]): Json[] {
  const unique: Json[] = [];
  for (const value of values) if (!unique.some((seen) => deepEqual(seen, value))) unique.push(value);
  return unique;
}

/**
 * `mergeSliceWithSpecialElements`: applies `{$patch: delete}` elements to the original and
 * `{$patch: replace}` (the rest of the patch list becomes the list), and returns the
 * original and the patch elements left to merge.
 */
function applyElementDirectives(
  original: Json[],
  patch: Json[],
  mergeKey: string,
  struct: StructSchema | undefined,
  path: string,
): { remaining: Json[]; additions: Json[] } {
  let remaining = original;
  const additions: Json[] = [];
  let replace = false;
  patch.forEach((element, index) => {
    const item = element as JsonObject;
    if (!hasOwn(item, DIRECTIVE)) {
      additions.push(item);
      return;
    }
    const at = `${path}[${index}]`;
    const directive = item[DIRECTIVE];
    if (directive === 'delete') {
      if (!hasOwn(item, mergeKey)) throw noMergeKey(at, item, mergeKey);
      remaining = remaining.filter((kept) => !(isObject(kept) && hasOwn(kept, mergeKey) && kept[mergeKey] === item[mergeKey]));
    } else if (directive === 'replace') {
      replace = true;
    } else if (directive === 'merge') {
      throw failure(at, 'merging lists cannot yet be specified in the patch', 500);
    } else {
      throw failure(at, `unknown patch type: ${goString(directive)} in map: ${goFormat(item)}`, 500);
    }
  });
  if (replace) return { remaining: additions.map((item) => mergeMap({}, item as JsonObject, struct, path)), additions: [] };
  return { remaining, additions };
}

/**
 * `mergeSliceWithoutSpecialElements`: each patch element merges into the original element
 * with the same merge key value, or is appended.
 */
function mergeByKey(original: Json[], additions: Json[], mergeKey: string, struct: StructSchema | undefined, path: string, patch: Json[]): Json[] {
  const merged = original.slice();
  for (const addition of additions) {
    const item = addition as JsonObject;
    const at = `${path}[${patch.indexOf(addition)}]`;
    if (!hasOwn(item, mergeKey)) throw noMergeKey(at, item, mergeKey);
    const index = merged.findIndex((existing) => isObject(existing) && hasOwn(existing, mergeKey) && existing[mergeKey] === item[mergeKey]);
    if (index >= 0) merged[index] = mergeMap(merged[index] as JsonObject, item, struct, at);
    else merged.push(mergeMap({}, item, struct, at));
  }
  return merged;
}

/** Splits `items` into those present in `by` and the rest (`partition{Primitives,Maps}ByPresentInList`). */
function partition(items: Json[], by: Json[], mergeKey: string, path: string): [Json[], Json[]] {
  const present: Json[] = [];
  const absent: Json[] = [];
  for (const item of items) {
    let found: boolean;
    if (mergeKey === '') {
      found = by.some((other) => deepEqual(other, item));
    } else {
      if (!isObject(item)) throw badArgType(path, 'map[string]interface {}', item);
      if (!hasOwn(item, mergeKey)) throw noMergeKey(path, item, mergeKey);
      found = by.some((other, index) => {
        if (!isObject(other)) throw failure(path, `value for key ${index} is not a map`, 500);
        return hasOwn(other, mergeKey) && other[mergeKey] === item[mergeKey];
      });
    }
    (found ? present : absent).push(item);
  }
  return [present, absent];
}

/**
 * `normalizeElementOrder`: patch items sorted by `patchOrder`, server-only items by
 * `serverOrder`, then interleaved: a server-only item goes first only when it stood before
 * the next patch item in the server's list (`mergeSortedSlice`).
 */
function normalizeElementOrder(
  patchItems: Json[],
  serverOnly: Json[],
  patchOrder: Json[],
  serverOrder: Json[],
  mergeKey: string,
  kind: ElementKind,
  path: string,
): Json[] {
  const left = sortByOrder(serverOnly, serverOrder, mergeKey, kind, path);
  const right = sortByOrder(patchItems, patchOrder, mergeKey, kind, path);
  const merged: Json[] = [];
  let i = 0;
  let j = 0;
  while (i < left.length || j < right.length) {
    if (i >= left.length) merged.push(right[j++]);
    else if (j >= right.length) merged.push(left[i++]);
    else {
      const li = indexIn(serverOrder, left[i], mergeKey, kind);
      const ri = indexIn(serverOrder, right[j], mergeKey, kind);
      if (li >= 0 && ri >= 0 && li < ri) merged.push(left[i++]);
      else merged.push(right[j++]);
    }
  }
  return merged;
}

/**
 * `normalizeSliceOrder`: a stable sort by position in `order`; `$patch: delete` items last.
 * Items missing from `order` (never the case for the lists merged here) go first, in their
 * own order: Go's `less` answers true for them, which is not a consistent ordering.
 */
function sortByOrder(items: Json[], order: Json[], mergeKey: string, kind: ElementKind, path: string): Json[] {
  let sortable = items;
  let deletions: Json[] = [];
  if (kind === 'map' && mergeKey !== '') {
    for (const item of [...items, ...order]) {
      if (!isObject(item)) throw badArgType(path, 'map[string]interface {}', item);
      if (!hasOwn(item, mergeKey)) throw noMergeKey(path, item, mergeKey);
    }
    sortable = items.filter((item) => getOwn(item as JsonObject, DIRECTIVE) !== 'delete');
    deletions = items.filter((item) => getOwn(item as JsonObject, DIRECTIVE) === 'delete');
  }
  const positioned = sortable.map((item, index) => ({ item, index, at: indexIn(order, item, mergeKey, kind) }));
  positioned.sort((a, b) => a.at - b.at || a.index - b.index);
  return [...positioned.map((p) => p.item), ...deletions];
}

/** `index`: position of `item` in `list`, by merge key value for maps, by value otherwise. */
function indexIn(list: Json[], item: Json, mergeKey: string, kind: ElementKind): number {
  if (kind === 'map' && mergeKey !== '') {
    const value = isObject(item) ? getOwn(item, mergeKey) : undefined;
    return list.findIndex((other) => (isObject(other) ? getOwn(other, mergeKey) : undefined) === value);
  }
  return list.findIndex((other) => deepEqual(other, item));
}

const DROP = Symbol('drop');

/**
 * A patch value taken where the original has nothing to merge with: merged into an empty
 * value, so that nulls and directives do not end up in the object. `{$patch: delete}` drops the key.
 */
function setMaterialized(target: JsonObject, key: string, value: Json, meta: FieldMeta | undefined, path: string): void {
  const materialized = materialize(value, meta, path);
  if (materialized === DROP) deleteOwn(target, key);
  else setOwn(target, key, materialized);
}

function materialize(value: Json, meta: FieldMeta | undefined, path: string): Json | typeof DROP {
  if (isObject(value)) return getOwn(value, DIRECTIVE) === 'delete' ? DROP : mergeMap({}, value, meta?.struct, path);
  if (Array.isArray(value)) return materializeList(value, meta?.struct, path);
  return value;
}

/** A list taken from the patch: element maps merged into empty maps, `{$patch: delete|replace}` markers dropped. */
function materializeList(list: Json[], struct: StructSchema | undefined, path: string): Json[] {
  const out: Json[] = [];
  list.forEach((element, index) => {
    const at = `${path}[${index}]`;
    if (Array.isArray(element)) {
      out.push(materializeList(element, undefined, at));
    } else if (!isObject(element)) {
      out.push(element);
    } else if (!hasOwn(element, DIRECTIVE)) {
      out.push(mergeMap({}, element, struct, at));
    } else {
      const directive = element[DIRECTIVE];
      if (directive === 'merge') throw failure(at, 'merging lists cannot yet be specified in the patch', 500);
      if (directive !== 'delete' && directive !== 'replace') {
        throw failure(at, `unknown patch type: ${goString(directive)} in map: ${goFormat(element)}`, 500);
      }
    }
  });
  return out;
}

// ------------------------------------------------------------------ JSON merge patch (7386)

/**
 * RFC 7386 JSON Merge Patch (`MergePatch` in §2): an object patch merges member by member,
 * `null` removes a member, anything else (arrays included) replaces the target. Every JSON
 * value is a valid merge patch, so this never throws; `applyPatch` additionally requires an
 * object patch, as the API server does.
 */
export function applyMergePatch(original: unknown, patch: unknown): unknown {
  return mergePatchInto(cloneJson(original) ?? null, patch);
}

function mergePatchInto(target: Json, patch: unknown): Json {
  if (!isObject(patch)) return cloneJson(patch);
  const result: JsonObject = isObject(target) ? target : {};
  for (const [key, value] of ownEntries(patch)) {
    if (value === null) deleteOwn(result, key);
    else setOwn(result, key, mergePatchInto(getOwn(result, key) ?? null, value));
  }
  return result;
}

// ------------------------------------------------------------------------ JSON patch (6902)

/** The API server refuses longer JSON patches with 413 (`maxJSONPatchOperations`, patch.go). */
export const MAX_JSON_PATCH_OPERATIONS = 10000;

type OperationKind = 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';

/**
 * RFC 6902 JSON Patch: operations apply in order and the first failure aborts (nothing is
 * applied). Pointers are RFC 6901: `""` is the whole document, `~1` is `/`, `~0` is `~`; an
 * array index is `0` or has no leading zero, and `-` (for `add`) is the end of the array.
 *
 * Messages follow evanphx/json-patch (the API server's implementation), e.g.
 * `testing value /spec/replicas failed: test failed`. Stricter than that library, per the
 * RFC: a pointer must start with `/`, `add`/`replace`/`test` need a `value`, negative indices
 * are errors, and `move` cannot move a value into its own child. A body that is not an array
 * of objects is 400 (it does not decode); every other failure is 422.
 */
export function applyJsonPatch(original: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) {
    const detail = operations === null ? 'a JSON patch must be an array of operations, not null' : `json: cannot unmarshal ${goJsonKind(operations)} into Go value of type jsonpatch.Patch`;
    throw new PatchError(detail, { httpStatus: 400 });
  }
  if (operations.length > MAX_JSON_PATCH_OPERATIONS) {
    throw new PatchError(`The allowed maximum operations in a JSON patch is ${MAX_JSON_PATCH_OPERATIONS}, got ${operations.length}`, { httpStatus: 413 });
  }
  operations.forEach((operation) => {
    if (!isObject(operation)) {
      throw new PatchError(`json: cannot unmarshal ${operation === null ? 'null' : goJsonKind(operation)} into Go value of type jsonpatch.Operation`, { httpStatus: 400 });
    }
  });
  let doc = cloneJson(original) ?? null;
  for (const operation of operations as JsonObject[]) doc = applyOperation(doc, operation);
  return doc;
}

function invalid(detail: string, path: string): PatchError {
  return new PatchError(detail, { path, httpStatus: 422 });
}

function applyOperation(doc: Json, operation: JsonObject): Json {
  const op = getOwn(operation, 'op');
  const kind = typeof op === 'string' ? op : 'unknown';
  switch (kind) {
    case 'add': {
      const path = pointerOf(operation, 'path', kind);
      return addAt(doc, path, cloneJson(valueOf(operation, kind, path.text)), kind);
    }
    case 'remove':
      return removeAt(doc, pointerOf(operation, 'path', kind), kind);
    case 'replace': {
      const path = pointerOf(operation, 'path', kind);
      const value = cloneJson(valueOf(operation, kind, path.text));
      if (path.tokens.length === 0) return value;
      const { parent, key } = parentOf(doc, path, kind);
      if (isObject(parent)) {
        if (!hasOwn(parent, key)) throw invalid(`replace operation does not apply: doc is missing key: ${path.text}: missing value`, path.text);
        setOwn(parent, key, value);
      } else {
        const index = arrayIndex(key);
        if (index === undefined || index >= parent.length) throw invalid(`replace operation does not apply: doc is missing key: ${path.text}: missing value`, path.text);
        parent[index] = value;
      }
      return doc;
    }
    case 'move': {
      const from = pointerOf(operation, 'from', kind);
      const path = pointerOf(operation, 'path', kind);
      const value = valueAt(doc, from, kind);
      if (from.text === path.text) return doc;
      if (from.tokens.length < path.tokens.length && from.tokens.every((token, i) => token === path.tokens[i])) {
        throw invalid(`move operation does not apply: cannot move ${from.text} into its own child ${path.text}`, path.text);
      }
      return addAt(removeAt(doc, from, kind), path, value, kind);
    }
    case 'copy': {
      const from = pointerOf(operation, 'from', kind);
      const path = pointerOf(operation, 'path', kind);
      return addAt(doc, path, cloneJson(valueAt(doc, from, kind)), kind);
    }
    case 'test': {
      const path = pointerOf(operation, 'path', kind);
      const expected = valueOf(operation, kind, path.text);
      if (!deepEqual(valueAt(doc, path, kind), expected)) throw invalid(`testing value ${path.text} failed: test failed`, path.text);
      return doc;
    }
    default:
      throw invalid(`Unexpected kind: ${kind}`, '');
  }
}

interface Pointer {
  text: string;
  tokens: string[];
}

/** The `path` or `from` member of an operation, parsed as an RFC 6901 JSON pointer. */
function pointerOf(operation: JsonObject, member: 'path' | 'from', kind: OperationKind): Pointer {
  const text = getOwn(operation, member);
  if (typeof text !== 'string') throw invalid(`${kind} operation failed to decode ${member}: missing value`, '');
  if (text === '') return { text, tokens: [] };
  if (!text.startsWith('/')) throw invalid(`${kind} operation has an invalid ${member} "${text}": a JSON pointer must be empty or start with "/"`, text);
  if (/~(?![01])/.test(text)) throw invalid(`${kind} operation has an invalid ${member} "${text}": "~" must be followed by "0" or "1"`, text);
  // RFC 6901 §4: ~1 before ~0, so that "~01" decodes to "~1".
  return { text, tokens: text.slice(1).split('/').map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~')) };
}

function valueOf(operation: JsonObject, kind: OperationKind, path: string): Json {
  const value = getOwn(operation, 'value');
  if (value === undefined) throw invalid(`${kind} operation for path ${path} has no value`, path);
  return value;
}

/** An RFC 6901 array index: `0`, or digits without a leading zero. */
function arrayIndex(token: string): number | undefined {
  if (!/^(0|[1-9][0-9]*)$/.test(token)) return undefined;
  const index = Number(token);
  return Number.isSafeInteger(index) ? index : undefined;
}

function childOf(node: Json, token: string): Json | undefined {
  if (isObject(node)) return getOwn(node, token);
  if (Array.isArray(node)) {
    const index = arrayIndex(token);
    return index !== undefined && index < node.length ? node[index] : undefined;
  }
  return undefined;
}

function missingPath(kind: OperationKind, path: Pointer): PatchError {
  return invalid(`${kind} operation does not apply: doc is missing path: "${path.text}": missing value`, path.text);
}

/** The container that holds the pointer's last token. */
function parentOf(doc: Json, path: Pointer, kind: OperationKind): { parent: JsonObject | Json[]; key: string } {
  let node: Json | undefined = doc;
  for (const token of path.tokens.slice(0, -1)) {
    node = childOf(node, token);
    if (node === undefined) throw missingPath(kind, path);
  }
  if (!isObject(node) && !Array.isArray(node)) throw missingPath(kind, path);
  return { parent: node, key: path.tokens[path.tokens.length - 1] };
}

function valueAt(doc: Json, path: Pointer, kind: OperationKind): Json {
  let node: Json | undefined = doc;
  for (const token of path.tokens) {
    node = childOf(node, token);
    if (node === undefined) throw missingPath(kind, path);
  }
  return node;
}

function addAt(doc: Json, path: Pointer, value: Json, kind: OperationKind): Json {
  if (path.tokens.length === 0) return value;
  const { parent, key } = parentOf(doc, path, kind);
  if (isObject(parent)) {
    setOwn(parent, key, value);
    return doc;
  }
  if (key === '-') {
    parent.push(value);
    return doc;
  }
  const index = arrayIndex(key);
  if (index === undefined) throw invalid(`error in ${kind} for path: '${path.text}': value was not a proper array index: '${key}'`, path.text);
  if (index > parent.length) throw invalid(`error in ${kind} for path: '${path.text}': Unable to access invalid index: ${index}: invalid index referenced`, path.text);
  parent.splice(index, 0, value);
  return doc;
}

function removeAt(doc: Json, path: Pointer, kind: OperationKind): Json {
  if (path.tokens.length === 0) throw invalid(`${kind} operation does not apply: the whole document cannot be removed`, path.text);
  const { parent, key } = parentOf(doc, path, kind);
  if (isObject(parent)) {
    if (!hasOwn(parent, key)) throw invalid(`error in ${kind} for path: '${path.text}': Unable to remove nonexistent key: ${key}: missing value`, path.text);
    delete parent[key];
    return doc;
  }
  const index = arrayIndex(key);
  if (index === undefined || index >= parent.length) {
    throw invalid(`error in ${kind} for path: '${path.text}': Unable to access invalid index: ${key}: invalid index referenced`, path.text);
  }
  parent.splice(index, 1);
  return doc;
}
