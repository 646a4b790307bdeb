import { describe, expect, it } from 'vitest';
import {
  AlreadyExistsError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  InternalError,
  NotFoundError,
  SvcnetError,
  ValidationError,
  fieldErrors as fe,
  goQuote,
  goStrings,
} from '../../sdk/model/errors.js';

describe('field errors print like k8s.io/apimachinery field.Error', () => {
  it.each([
    { desc: '01 invalid number', err: fe.invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive'), want: 'spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive' },
    { desc: '02 invalid string is quoted', err: fe.invalid('metadata.name', 'Web', 'bad'), want: 'metadata.name: Invalid value: "Web": bad' },
    { desc: '03 required without detail', err: fe.required('spec.ports'), want: 'spec.ports: Required value' },
    { desc: '04 required with detail', err: fe.required('metadata.name', 'name or generateName is required'), want: 'metadata.name: Required value: name or generateName is required' },
    { desc: '05 duplicate', err: fe.duplicate('spec.ports[1].name', 'http'), want: 'spec.ports[1].name: Duplicate value: "http"' },
    { desc: '06 not supported sorts the values', err: fe.notSupported('spec.ports[0].protocol', 'HTTP', ['TCP', 'UDP', 'SCTP']), want: 'spec.ports[0].protocol: Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
    { desc: '07 forbidden prints no value', err: fe.forbidden('spec.clusterIPs', 'may not be set for ExternalName services'), want: 'spec.clusterIPs: Forbidden: may not be set for ExternalName services' },
    { desc: '08 too many', err: fe.tooMany('endpoints', 1001, 1000), want: 'endpoints: Too many: 1001: must have at most 1000 items' },
    { desc: '09 too long', err: fe.tooLong('metadata.annotations', 262144), want: 'metadata.annotations: Too long: may not be more than 262144 bytes' },
    { desc: '10 a Go []string literal', err: fe.invalid('spec.clusterIPs', goStrings(['10.96.0.1']), 'x'), want: 'spec.clusterIPs: Invalid value: []string{"10.96.0.1"}: x' },
    { desc: '11 immutable', err: fe.immutable('addressType', 'IPv6'), want: 'addressType: Invalid value: "IPv6": field is immutable' },
  ])('$desc', ({ err, want }) => {
    expect(err.toString()).toBe(want);
    expect(err.toCause().message).toBe(want.slice(want.indexOf(': ') + 2));
  });

  it('12 quotes like strconv.Quote', () => {
    expect(goQuote('a"b\\c\n\x01')).toBe('"a\\"b\\\\c\\n\\x01"');
  });
});

describe('ValidationError', () => {
  it('01 one cause: the message is that error', () => {
    const e = new ValidationError('Service', 'default', 'foo', [fe.invalid('spec.ports[0].port', 0, 'must be between 1 and 65535, inclusive')]);
    expect(e.message).toBe('Service "foo" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
    expect(e).toBeInstanceOf(SvcnetError);
    expect(e).toBeInstanceOf(Error);
    expect(e.code).toBe('Invalid');
    expect(e.httpStatus).toBe(422);
    expect([e.kind, e.namespace, e.name]).toEqual(['Service', 'default', 'foo']);
    expect(e.causes).toEqual([{ field: 'spec.ports[0].port', reason: 'FieldValueInvalid', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' }]);
  });

  it('02 several causes are bracketed and deduplicated', () => {
    const e = new ValidationError('Service', 'default', 'foo', [fe.required('spec.ports'), fe.required('spec.ports'), fe.required('spec.type')]);
    expect(e.message).toBe('Service "foo" is invalid: [spec.ports: Required value, spec.type: Required value]');
    expect(e.causes).toHaveLength(3);
  });

  it('03 grouped kinds carry their API group', () => {
    expect(new ValidationError('EndpointSlice', 'default', 'x', [fe.required('addressType')]).message).toBe(
      'EndpointSlice.discovery.k8s.io "x" is invalid: addressType: Required value',
    );
    expect(new ValidationError('ServiceCIDR', undefined, 'x', []).message).toBe('ServiceCIDR.networking.k8s.io "x" is invalid');
  });
});

describe('status errors', () => {
  it.each([
    { desc: '01 not found', err: new NotFoundError('Service', 'default', 'foo'), code: 'NotFound', status: 404, message: 'services "foo" not found' },
    { desc: '02 namespace not found', err: new NotFoundError('Namespace', undefined, 'x'), code: 'NotFound', status: 404, message: 'namespaces "x" not found' },
    { desc: '03 slice not found', err: new NotFoundError('EndpointSlice', 'default', 's'), code: 'NotFound', status: 404, message: 'endpointslices.discovery.k8s.io "s" not found' },
    { desc: '04 already exists', err: new AlreadyExistsError('Service', 'default', 'foo'), code: 'AlreadyExists', status: 409, message: 'services "foo" already exists' },
    {
      desc: '05 conflict',
      err: new ConflictError('Service', 'default', 'foo'),
      code: 'Conflict',
      status: 409,
      message: 'Operation cannot be fulfilled on services "foo": the object has been modified; please apply your changes to the latest version and try again',
    },
    { desc: '06 forbidden', err: new ForbiddenError('Namespace', undefined, 'default', 'this namespace may not be deleted'), code: 'Forbidden', status: 403, message: 'namespaces "default" is forbidden: this namespace may not be deleted' },
    { desc: '07 internal', err: new InternalError('failed to allocate a serviceIP: range is full'), code: 'InternalError', status: 500, message: 'Internal error occurred: failed to allocate a serviceIP: range is full' },
    { desc: '08 bad request', err: new BadRequestError('no matches for kind "Pod" in version "v1"'), code: 'BadRequest', status: 400, message: 'no matches for kind "Pod" in version "v1"' },
  ])('$desc', ({ err, code, status, message }) => {
    expect(err).toBeInstanceOf(SvcnetError);
    expect(err.code).toBe(code);
    expect(err.httpStatus).toBe(status);
    expect(err.message).toBe(message);
  });
});
