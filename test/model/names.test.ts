import { describe, expect, it } from 'vitest';
import {
  isDNS1035Label,
  isDNS1123Label,
  isDNS1123Subdomain,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPortNum,
  nameIsDNS1035Label,
  regexError,
} from '../../sdk/model/names.js';
import { DNS1035, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, QUALIFIED } from './messages.js';


describe('regexError', () => {
  it('01 reproduces Go\'s double space before "or"', () => {
    expect(regexError('m', 'f', 'a', 'b')).toBe("m (e.g. 'a',  or 'b', regex used for validation is 'f')");
  });
  it('02 without examples', () => {
    expect(regexError('m', 'f')).toBe("m (regex used for validation is 'f')");
  });
});

describe('DNS-1035 label (Service names)', () => {
  it.each([
    { desc: '01 accepts numbers-api', value: 'numbers-api', errs: [] },
    { desc: '02 accepts a single letter', value: 'a', errs: [] },
    { desc: '03 rejects a leading digit', value: '1web', errs: [DNS1035] },
    { desc: '04 rejects upper case', value: 'Web', errs: [DNS1035] },
    { desc: '05 rejects a trailing dash', value: 'web-', errs: [DNS1035] },
    { desc: '06 rejects dots', value: 'web.v1', errs: [DNS1035] },
    { desc: '07 rejects 64 characters', value: 'a'.repeat(64), errs: ['must be no more than 63 characters'] },
    { desc: '08 accepts 63 characters', value: 'a'.repeat(63), errs: [] },
    { desc: '09 rejects the empty string', value: '', errs: [DNS1035] },
  ])('$desc', ({ value, errs }) => {
    expect(isDNS1035Label(value)).toEqual(errs);
  });
  it('10 a generateName prefix may end in a dash', () => {
    expect(nameIsDNS1035Label('web-', true)).toEqual([]);
  });
});

describe('DNS-1123 label (Namespace names, port names)', () => {
  it.each([
    { desc: '01 accepts kube-system', value: 'kube-system', errs: [] },
    { desc: '02 accepts a leading digit', value: '1team', errs: [] },
    { desc: '03 rejects upper case', value: 'Team', errs: [DNS1123_LABEL] },
    { desc: '04 rejects dots with a specific message', value: 'a.b', errs: ['must not contain dots'] },
    { desc: '05 rejects underscores', value: 'a_b', errs: [DNS1123_LABEL] },
    { desc: '06 rejects 64 characters', value: 'a'.repeat(64), errs: ['must be no more than 63 characters'] },
  ])('$desc', ({ value, errs }) => {
    expect(isDNS1123Label(value)).toEqual(errs);
  });
});

describe('DNS-1123 subdomain (EndpointSlice names)', () => {
  it.each([
    { desc: '01 accepts a dotted name', value: 'web.v1-x7k2p', errs: [] },
    { desc: '02 accepts raw.githubusercontent.com', value: 'raw.githubusercontent.com', errs: [] },
    { desc: '03 rejects an empty label', value: 'a..b', errs: [DNS1123_SUBDOMAIN] },
    { desc: '04 rejects a trailing dot', value: 'example.com.', errs: [DNS1123_SUBDOMAIN] },
    { desc: '05 rejects upper case', value: 'Example.com', errs: [DNS1123_SUBDOMAIN] },
    { desc: '06 rejects 254 characters', value: 'a'.repeat(254), errs: ['must be no more than 253 characters'] },
  ])('$desc', ({ value, errs }) => {
    expect(isDNS1123Subdomain(value)).toEqual(errs);
  });
});

describe('IANA_SVC_NAME (named target ports)', () => {
  it.each([
    { desc: '01 accepts http', value: 'http', errs: [] },
    { desc: '02 accepts dns-tcp', value: 'dns-tcp', errs: [] },
    { desc: '03 accepts 15 characters', value: 'a'.repeat(15), errs: [] },
    { desc: '04 rejects 16 characters', value: 'a'.repeat(16), errs: ['must be no more than 15 characters'] },
    { desc: '05 rejects upper case', value: 'HTTP', errs: ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)', 'must contain at least one letter (a-z)'] },
    { desc: '06 rejects digits only', value: '8080', errs: ['must contain at least one letter (a-z)'] },
    { desc: '07 rejects --', value: 'a--b', errs: ['must not contain consecutive hyphens'] },
    { desc: '08 rejects a leading hyphen', value: '-http', errs: ['must not begin or end with a hyphen'] },
    { desc: '09 rejects a trailing hyphen', value: 'http-', errs: ['must not begin or end with a hyphen'] },
    { desc: '10 rejects underscores', value: 'my_port', errs: ['must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'] },
  ])('$desc', ({ value, errs }) => {
    expect(isValidPortName(value)).toEqual(errs);
  });
});

describe('port numbers', () => {
  it.each([
    { desc: '01 accepts 1', value: 1, ok: true },
    { desc: '02 accepts 65535', value: 65535, ok: true },
    { desc: '03 rejects 0', value: 0, ok: false },
    { desc: '04 rejects 65536', value: 65536, ok: false },
    { desc: '05 rejects fractions', value: 80.5, ok: false },
  ])('$desc', ({ value, ok }) => {
    expect(isValidPortNum(value)).toEqual(ok ? [] : ['must be between 1 and 65535, inclusive']);
  });
});

describe('label keys and values', () => {
  it.each([
    { desc: '01 accepts app', value: 'app', errs: [] },
    { desc: '02 accepts a prefixed key', value: 'app.kubernetes.io/name', errs: [] },
    { desc: '03 accepts mixed case and underscores', value: 'My_Key.v1', errs: [] },
    { desc: '04 rejects a leading dash', value: '-app', errs: [QUALIFIED] },
    { desc: '05 rejects an empty prefix', value: '/app', errs: ['prefix part must be non-empty'] },
    { desc: '06 rejects an upper-case prefix', value: 'Example.com/app', errs: ['prefix part ' + DNS1123_SUBDOMAIN] },
    { desc: '07 rejects an empty name part', value: 'example.com/', errs: ['name part must be non-empty', QUALIFIED] },
    { desc: '08 rejects a 64-character name part', value: 'a'.repeat(64), errs: ['name part must be no more than 63 characters'] },
    {
      desc: '09 rejects two slashes',
      value: 'a/b/c',
      errs: [
        "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
      ],
    },
  ])('key: $desc', ({ value, errs }) => {
    expect(isQualifiedName(value)).toEqual(errs);
  });

  it.each([
    { desc: '01 accepts the empty value', value: '', errs: [] },
    { desc: '02 accepts numbers-api', value: 'numbers-api', errs: [] },
    { desc: '03 rejects spaces', value: 'a b', errs: [LABEL_VALUE] },
    { desc: '04 rejects a trailing dot', value: 'v1.', errs: [LABEL_VALUE] },
    { desc: '05 rejects 64 characters', value: 'a'.repeat(64), errs: ['must be no more than 63 characters'] },
  ])('value: $desc', ({ value, errs }) => {
    expect(isValidLabelValue(value)).toEqual(errs);
  });
});
