import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  cidrContains,
  cidrLast,
  cidrSize,
  formatCIDR,
  formatIP,
  formatIPv4,
  formatIPv6,
  ipFamilyOf,
  isCIDR,
  isIP,
  isIPv4,
  isIPv6,
  parseCIDR,
  parseIP,
  parseIPv4,
  parseIPv6,
  specialRangeOf,
  tryParseIPv4,
} from '../../sdk/model/ip.js';
import { InvalidAddressError } from '../../sdk/model/errors.js';

describe('parseIPv4', () => {
  it.each([
    { desc: '01 the kubernetes service IP', text: '10.96.0.1', want: 0x0a600001 },
    { desc: '02 zero', text: '0.0.0.0', want: 0 },
    { desc: '03 all ones', text: '255.255.255.255', want: 0xffffffff },
    { desc: '04 a single 0 octet is not a leading zero', text: '10.0.0.10', want: 0x0a00000a },
    { desc: '05 the seed numbers-api IP', text: '10.103.155.91', want: 0x0a679b5b },
  ])('$desc', ({ text, want }) => {
    expect(parseIPv4(text)).toBe(want);
    expect(isIPv4(text)).toBe(true);
    expect(formatIPv4(want)).toBe(text);
  });

  it.each([
    { desc: '01 rejects a leading zero', text: '10.96.0.01', reason: 'octet 4 has a leading zero' },
    { desc: '02 rejects octal-looking octets', text: '010.0.0.1', reason: 'octet 1 has a leading zero' },
    { desc: '03 rejects an octet above 255', text: '10.256.0.1', reason: 'octet 2 is greater than 255' },
    { desc: '04 rejects three octets', text: '10.0.1', reason: 'expected 4 octets' },
    { desc: '05 rejects five octets', text: '10.0.0.1.5', reason: 'unexpected character "." after the fourth octet' },
    { desc: '06 rejects an empty octet', text: '10..0.1', reason: 'unexpected character "."' },
    { desc: '07 rejects a trailing dot', text: '10.0.0.', reason: 'octet 4 is empty' },
    { desc: '08 rejects four-digit octets', text: '1000.0.0.1', reason: 'octet 1 has more than 3 digits' },
    { desc: '09 rejects signs', text: '+1.0.0.1', reason: 'unexpected character "+"' },
    { desc: '10 rejects spaces', text: ' 10.0.0.1', reason: 'unexpected character " "' },
    { desc: '11 rejects the empty string', text: '', reason: 'octet 1 is empty' },
    { desc: '12 rejects CIDR notation', text: '10.0.0.0/8', reason: 'unexpected character "/" after the fourth octet' },
  ])('$desc', ({ text, reason }) => {
    expect(isIPv4(text)).toBe(false);
    expect(tryParseIPv4(text)).toBeUndefined();
    expect(() => parseIPv4(text)).toThrow(InvalidAddressError);
    expect(() => parseIPv4(text)).toThrow(`invalid IPv4 address ${JSON.stringify(text)}: ${reason}`);
  });

  it('round-trips every u32 through its text', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(parseIPv4(formatIPv4(n))).toBe(n);
      }),
    );
  });
});

describe('IPv6 (RFC 4291 §2.2 text forms)', () => {
  const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

  it.each([
    { desc: '01 the preferred form', text: '2001:0db8:0000:0000:0008:0800:200c:417a', want: '20010db80000000000080800200c417a' },
    { desc: '02 compressed zeros', text: '2001:db8::8:800:200c:417a', want: '20010db80000000000080800200c417a' },
    { desc: '03 the unspecified address', text: '::', want: '0'.repeat(32) },
    { desc: '04 the loopback address', text: '::1', want: '0'.repeat(31) + '1' },
    { desc: '05 :: at the end', text: 'ff01::', want: 'ff01' + '0'.repeat(28) },
    { desc: '06 :: standing for one piece', text: '1:2:3:4:5:6:7::', want: '00010002000300040005000600070000' },
    { desc: '07 upper-case hex', text: 'FE80::ABCD', want: 'fe80' + '0'.repeat(24) + 'abcd' },
    { desc: '08 embedded IPv4, full', text: '0:0:0:0:0:ffff:129.144.52.38', want: '00000000000000000000ffff81903426' },
    { desc: '09 embedded IPv4, compressed', text: '::ffff:129.144.52.38', want: '00000000000000000000ffff81903426' },
    { desc: '10 embedded IPv4 after six pieces', text: '1:2:3:4:5:6:1.2.3.4', want: '00010002000300040005000601020304' },
    { desc: '11 IPv4-compatible', text: '::13.1.68.3', want: '0000000000000000000000000d014403' },
  ])('$desc', ({ text, want }) => {
    expect(isIPv6(text)).toBe(true);
    expect(hex(parseIPv6(text))).toBe(want);
  });

  it.each([
    { desc: '01 rejects :::', text: ':::' },
    { desc: '02 rejects two ::', text: '1::2::3' },
    { desc: '03 rejects five hex digits', text: '12345::' },
    { desc: '04 rejects nine pieces', text: '1:2:3:4:5:6:7:8:9' },
    { desc: '05 rejects seven pieces without ::', text: '1:2:3:4:5:6:7' },
    { desc: '06 rejects a leading single colon', text: ':1:2:3:4:5:6:7' },
    { desc: '07 rejects a trailing single colon', text: '1:2:3:4:5:6:7:8:' },
    { desc: '08 rejects a zone index', text: 'fe80::1%eth0' },
    { desc: '09 rejects a short embedded IPv4', text: '::1.2.3' },
    { desc: '10 rejects embedded IPv4 after seven pieces', text: '1:2:3:4:5:6:7:1.2.3.4' },
    { desc: '11 rejects non-hex', text: 'g::1' },
    { desc: '12 rejects :: standing for nothing', text: '1:2:3:4::5:6:7:8' },
    { desc: '13 rejects the empty string', text: '' },
    { desc: '14 rejects embedded IPv4 with a leading zero', text: '::ffff:1.2.3.04' },
  ])('$desc', ({ text }) => {
    expect(isIPv6(text)).toBe(false);
    expect(() => parseIPv6(text)).toThrow(InvalidAddressError);
  });

  it.each([
    { desc: '01 drops leading zeros (RFC 5952 §4.1)', text: '2001:0db8::0001', want: '2001:db8::1' },
    { desc: '02 compresses the longest run', text: '2001:db8:0:0:1:0:0:1', want: '2001:db8::1:0:0:1' },
    { desc: '03 does not compress a single zero (§4.2.2)', text: '2001:db8:0:1:1:1:1:1', want: '2001:db8:0:1:1:1:1:1' },
    { desc: '04 picks the first of equal runs (§4.2.3)', text: '2001:0:0:1:0:0:0:1', want: '2001:0:0:1::1' },
    { desc: '05 lower case (§4.3)', text: '2001:DB8::AB', want: '2001:db8::ab' },
    { desc: '06 the unspecified address', text: '0:0:0:0:0:0:0:0', want: '::' },
    { desc: '07 IPv4-mapped in mixed notation (§5)', text: '::ffff:c000:0280', want: '::ffff:192.0.2.128' },
  ])('formats $desc', ({ text, want }) => {
    expect(formatIPv6(parseIPv6(text))).toBe(want);
  });

  it('round-trips 16 random bytes through canonical text', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (bytes) => {
        expect(hex(parseIPv6(formatIPv6(bytes)))).toBe(hex(bytes));
      }),
    );
  });
});

describe('either family', () => {
  it.each([
    { desc: '01 IPv4', text: '10.1.0.43', family: 'IPv4' },
    { desc: '02 IPv6', text: 'fd00::5', family: 'IPv6' },
    { desc: '03 neither', text: 'localhost', family: undefined },
  ])('$desc', ({ text, family }) => {
    expect(ipFamilyOf(text)).toBe(family);
    expect(isIP(text)).toBe(family !== undefined);
    if (family) expect(formatIP(parseIP(text))).toBe(text);
    else expect(() => parseIP(text)).toThrow('invalid IP address "localhost"');
  });

  it.each([
    { desc: '01 0.0.0.0 is unspecified', text: '0.0.0.0', want: 'unspecified' },
    { desc: '02 127.0.0.1 is loopback', text: '127.0.0.1', want: 'loopback' },
    { desc: '03 127.255.0.9 is loopback', text: '127.255.0.9', want: 'loopback' },
    { desc: '04 169.254.169.254 is link-local', text: '169.254.169.254', want: 'link-local' },
    { desc: '05 224.0.0.251 is link-local multicast', text: '224.0.0.251', want: 'link-local-multicast' },
    { desc: '06 224.0.1.1 is not', text: '224.0.1.1', want: undefined },
    { desc: '07 10.1.0.5 is not special', text: '10.1.0.5', want: undefined },
    { desc: '08 :: is unspecified', text: '::', want: 'unspecified' },
    { desc: '09 ::1 is loopback', text: '::1', want: 'loopback' },
    { desc: '10 fe80::1 is link-local', text: 'fe80::1', want: 'link-local' },
    { desc: '11 febf::1 is link-local', text: 'febf::1', want: 'link-local' },
    { desc: '12 ff02::1 is link-local multicast', text: 'ff02::1', want: 'link-local-multicast' },
    { desc: '13 2001:db8::1 is not special', text: '2001:db8::1', want: undefined },
  ])('special ranges: $desc', ({ text, want }) => {
    expect(specialRangeOf(parseIP(text))).toBe(want);
  });
});

describe('parseCIDR', () => {
  it.each([
    { desc: '01 the default service CIDR', text: '10.96.0.0/12', address: '10.96.0.0', prefix: 12, size: 2 ** 20 },
    { desc: '02 host bits are cleared', text: '10.96.0.1/12', address: '10.96.0.0', prefix: 12, size: 2 ** 20 },
    { desc: '03 everything', text: '0.0.0.0/0', address: '0.0.0.0', prefix: 0, size: 2 ** 32 },
    { desc: '04 one address', text: '10.1.0.43/32', address: '10.1.0.43', prefix: 32, size: 1 },
    { desc: '05 a /29', text: '192.168.7.13/29', address: '192.168.7.8', prefix: 29, size: 8 },
  ])('$desc', ({ text, address, prefix, size }) => {
    const cidr = parseCIDR(text);
    expect(cidr.family).toBe('IPv4');
    expect(formatIP({ family: 'IPv4', address: cidr.address as number })).toBe(address);
    expect(cidr.prefix).toBe(prefix);
    expect(cidrSize(cidr)).toBe(size);
    expect(isCIDR(text)).toBe(true);
  });

  it('parses IPv6 and clears host bits', () => {
    const cidr = parseCIDR('2001:db8::ff/64');
    expect(cidr.family).toBe('IPv6');
    expect(formatCIDR(cidr)).toBe('2001:db8::/64');
    expect(cidrSize(cidr)).toBe(2 ** 64);
    expect(cidrContains(cidr, parseIPv4('10.0.0.1'))).toBe(false);
  });

  it.each([
    { desc: '01 rejects a missing slash', text: '10.0.0.0', reason: "missing '/'" },
    { desc: '02 rejects a prefix above 32', text: '10.0.0.0/33', reason: 'prefix length is greater than 32' },
    { desc: '03 rejects a prefix above 128', text: 'fd00::/129', reason: 'prefix length is greater than 128' },
    { desc: '04 rejects a leading zero in the prefix', text: '10.0.0.0/08', reason: 'prefix length has a leading zero' },
    { desc: '05 rejects an empty prefix', text: '10.0.0.0/', reason: 'missing prefix length' },
    { desc: '06 rejects a non-numeric prefix', text: '10.0.0.0/x', reason: 'prefix length is not a decimal number' },
    { desc: '07 rejects a bad address', text: '10.0.0.256/8', reason: 'address: octet 4 is greater than 255' },
  ])('$desc', ({ text, reason }) => {
    expect(isCIDR(text)).toBe(false);
    expect(() => parseCIDR(text)).toThrow(`invalid CIDR ${JSON.stringify(text)}: ${reason}`);
  });

  it.each([
    { desc: '01 contains its network address', cidr: '10.96.0.0/12', ip: '10.96.0.0', want: true },
    { desc: '02 contains its last address', cidr: '10.96.0.0/12', ip: '10.111.255.255', want: true },
    { desc: '03 excludes the next block', cidr: '10.96.0.0/12', ip: '10.112.0.0', want: false },
    { desc: '04 excludes the block below', cidr: '10.96.0.0/12', ip: '10.95.255.255', want: false },
    { desc: '05 /0 contains everything', cidr: '0.0.0.0/0', ip: '255.255.255.255', want: true },
    { desc: '06 /32 contains only itself', cidr: '10.0.0.1/32', ip: '10.0.0.2', want: false },
  ])('cidrContains $desc', ({ cidr, ip, want }) => {
    expect(cidrContains(parseCIDR(cidr), parseIPv4(ip))).toBe(want);
  });

  it('gives the last address of an IPv4 block', () => {
    const c = parseCIDR('10.96.0.0/12');
    if (c.family !== 'IPv4') throw new Error('expected IPv4');
    expect(formatIPv4(cidrLast(c))).toBe('10.111.255.255');
  });
});
