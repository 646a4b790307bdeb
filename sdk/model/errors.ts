/**
 * Errors shaped like the Kubernetes API server's `metav1.Status` failures, with the same
 * messages (`k8s.io/apimachinery/pkg/api/errors`, `pkg/util/validation/field`), so an HTTP
 * front end can map them one to one: `code` is the Status `reason`, `httpStatus` its code.
 */

import { QUALIFIED_KINDS, QUALIFIED_RESOURCES } from './types.js';
import type { ResourceKind } from './types.js';

/** Base of every error the SDK throws on purpose. */
export class SvcnetError extends Error {
  /** Kubernetes `StatusReason` (`Invalid`, `NotFound`, …) or an SDK code. */
  readonly code: string;
  /** HTTP status the API server would answer with. */
  readonly httpStatus: number;

  constructor(code: string, message: string, httpStatus = 500) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.httpStatus = httpStatus;
  }
}

// ---------------------------------------------------------------------------- field errors

/** `field.ErrorType` values, which are also the `StatusCause.reason` strings. */
export type CauseReason =
  | 'FieldValueInvalid'
  | 'FieldValueRequired'
  | 'FieldValueDuplicate'
  | 'FieldValueNotSupported'
  | 'FieldValueForbidden'
  | 'FieldValueTooLong'
  | 'FieldValueTooMany';

/** One entry of `Status.details.causes`. `message` is the error body without the field. */
export interface StatusCause {
  field: string;
  reason: CauseReason;
  message: string;
}

const TYPE_TEXT: Readonly<Record<CauseReason, string>> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueDuplicate: 'Duplicate value',
  FieldValueNotSupported: 'Unsupported value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueTooMany: 'Too many',
};

/** A value printed verbatim, for Go `%#v` renderings such as `[]string{"a"}`. */
export class GoLiteral {
  constructor(readonly text: string) {}
}

/** Go's `strconv.Quote` for the strings that occur in API objects. */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c < 0x20 || c === 0x7f) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += ch;
  }
  return out + '"';
}

/** `[]string{"a", "b"}`, or `[]string(nil)` for a missing list. */
export function goStrings(values: readonly string[] | undefined): GoLiteral {
  if (values === undefined) return new GoLiteral('[]string(nil)');
  return new GoLiteral(`[]string{${values.map(goQuote).join(', ')}}`);
}

/** Marks a field error that prints no value (Go's `omitValue`). */
const OMIT = Symbol('omit');

/**
 * A field-level validation error, the analogue of Go's `*field.Error`. `toString()` gives
 * `spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`.
 */
export class FieldError {
  constructor(
    readonly reason: CauseReason,
    readonly field: string,
    readonly value: unknown,
    readonly detail: string,
  ) {}

  /** `ErrorBody()`: the message without the field path. */
  body(): string {
    let s = TYPE_TEXT[this.reason];
    const printsValue =
      this.reason !== 'FieldValueRequired' &&
      this.reason !== 'FieldValueForbidden' &&
      this.reason !== 'FieldValueTooLong' &&
      this.value !== OMIT;
    if (printsValue) s += ': ' + formatGoValue(this.value);
    if (this.detail.length > 0) s += ': ' + this.detail;
    return s;
  }

  toString(): string {
    return `${this.field}: ${this.body()}`;
  }

  toCause(): StatusCause {
    return { field: this.field, reason: this.reason, message: this.body() };
  }
}

function formatGoValue(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (value instanceof GoLiteral) return value.text;
  if (typeof value === 'string') return goQuote(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Constructors mirroring `k8s.io/apimachinery/pkg/util/validation/field`. */
export const fieldErrors = {
  invalid(field: string, value: unknown, detail: string): FieldError {
    return new FieldError('FieldValueInvalid', field, value, detail);
  },
  required(field: string, detail = ''): FieldError {
    return new FieldError('FieldValueRequired', field, '', detail);
  },
  duplicate(field: string, value: unknown): FieldError {
    return new FieldError('FieldValueDuplicate', field, value, '');
  },
  /** `supported values: "A", "B"` with the values sorted, as `sets.List` returns them. */
  notSupported(field: string, value: unknown, supported: readonly string[]): FieldError {
    const detail =
      supported.length > 0 ? 'supported values: ' + [...supported].sort().map(goQuote).join(', ') : '';
    return new FieldError('FieldValueNotSupported', field, value, detail);
  },
  forbidden(field: string, detail: string): FieldError {
    return new FieldError('FieldValueForbidden', field, '', detail);
  },
  tooLong(field: string, maxLength: number): FieldError {
    return new FieldError('FieldValueTooLong', field, '', `may not be more than ${maxLength} ${maxLength === 1 ? 'byte' : 'bytes'}`);
  },
  tooMany(field: string, actual: number, max: number): FieldError {
    return new FieldError('FieldValueTooMany', field, actual >= 0 ? actual : OMIT, `must have at most ${max} ${max === 1 ? 'item' : 'items'}`);
  },
  /** `ValidateImmutableField`: `field is immutable`. */
  immutable(field: string, value: unknown): FieldError {
    return new FieldError('FieldValueInvalid', field, value, 'field is immutable');
  },
};

// ---------------------------------------------------------------------------- status errors

/**
 * `422 Invalid`. The message is the API server's: the qualified kind, the name, and the
 * field errors (deduplicated, bracketed when there are several):
 * `Service "foo" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive`.
 */
export class ValidationError extends SvcnetError {
  readonly kind: ResourceKind;
  readonly namespace: string | undefined;
  /** The object's name (Status `details.name`), not the error class name. */
  override readonly name: string;
  readonly causes: StatusCause[];
  /** The field errors behind `causes`. */
  readonly fieldErrors: readonly FieldError[];

  constructor(kind: ResourceKind, namespace: string | undefined, name: string, errors: readonly FieldError[]) {
    super('Invalid', invalidMessage(kind, name, errors), 422);
    this.kind = kind;
    this.namespace = namespace;
    this.name = name;
    this.fieldErrors = errors;
    this.causes = errors.map((e) => e.toCause());
  }
}

function invalidMessage(kind: ResourceKind, name: string, errors: readonly FieldError[]): string {
  const head = `${QUALIFIED_KINDS[kind]} ${goQuote(name)} is invalid`;
  if (errors.length === 0) return head;
  // utilerrors.NewAggregate(...).Error(): one message alone, several deduplicated in brackets.
  const seen = new Set<string>();
  for (const e of errors) seen.add(e.toString());
  const parts = [...seen];
  return `${head}: ${parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`}`;
}

/** `404 NotFound`: `services "foo" not found`. */
export class NotFoundError extends SvcnetError {
  constructor(
    readonly kind: ResourceKind,
    readonly namespace: string | undefined,
    override readonly name: string,
  ) {
    super('NotFound', `${QUALIFIED_RESOURCES[kind]} ${goQuote(name)} not found`, 404);
  }
}

/** `409 AlreadyExists`: `services "foo" already exists`. */
export class AlreadyExistsError extends SvcnetError {
  constructor(
    readonly kind: ResourceKind,
    readonly namespace: string | undefined,
    override readonly name: string,
  ) {
    super('AlreadyExists', `${QUALIFIED_RESOURCES[kind]} ${goQuote(name)} already exists`, 409);
  }
}

export const CONFLICT_MODIFIED =
  'the object has been modified; please apply your changes to the latest version and try again';

/** `409 Conflict`: an update carried a stale `metadata.resourceVersion`. */
export class ConflictError extends SvcnetError {
  constructor(
    readonly kind: ResourceKind,
    readonly namespace: string | undefined,
    override readonly name: string,
    reason = CONFLICT_MODIFIED,
  ) {
    super('Conflict', `Operation cannot be fulfilled on ${QUALIFIED_RESOURCES[kind]} ${goQuote(name)}: ${reason}`, 409);
  }
}

/** `403 Forbidden`: `namespaces "default" is forbidden: this namespace may not be deleted`. */
export class ForbiddenError extends SvcnetError {
  constructor(
    readonly kind: ResourceKind,
    readonly namespace: string | undefined,
    override readonly name: string,
    reason: string,
  ) {
    super('Forbidden', `${QUALIFIED_RESOURCES[kind]} ${goQuote(name)} is forbidden: ${reason}`, 403);
  }
}

/** `500 InternalError`, e.g. `Internal error occurred: failed to allocate a serviceIP: range is full`. */
export class InternalError extends SvcnetError {
  constructor(detail: string) {
    super('InternalError', `Internal error occurred: ${detail}`, 500);
  }
}

/** `400 BadRequest`: an object of an unknown kind or apiVersion. */
export class BadRequestError extends SvcnetError {
  constructor(message: string) {
    super('BadRequest', message, 400);
  }
}

/** A malformed IP address or CIDR given to a parser in `ip.ts`. */
export class InvalidAddressError extends SvcnetError {
  constructor(
    readonly input: string,
    message: string,
  ) {
    super('InvalidAddress', message, 400);
  }
}
