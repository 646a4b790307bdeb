export { ClusterDns, createClusterDns } from './clusterdns.js';
export type { ClusterDnsOptions, CreateClusterDnsOptions, DnsSyncStats } from './clusterdns.js';
export * from './records.js';
export {
  DnsNameError,
  MAX_LABEL_LENGTH,
  MAX_NAME_LENGTH,
  canonicalName,
  encodeName,
  formatLabel,
  isEncodableName,
  isSubdomain,
  nameEncodingLength,
  nameLabels,
  reverseName,
} from './names.js';
export {
  CLASS_IN,
  DnsWireError,
  OPCODE_NAMES,
  RCODE_NAMES,
  TYPE_CODES,
  decodeMessage,
  encodeQuery,
  rcodeName,
  typeCode,
  typeName,
} from './wire.js';
export type { DnsFlags, DnsMessage, DnsQuestion, DnsRecord, Edns, EdnsOption, OpaqueTypeName, QueryOptions } from './wire.js';
export { podSearchList, resolve } from './resolver.js';
export type { DnsAnswerer, Libc, ResolveOptions, ResolveQuery, ResolveResult } from './resolver.js';
