import { describe, expect, it } from 'vitest';
import {
  validateEndpointSlice,
  validateNamespace,
  validateService,
  validateServiceCIDR,
  serviceUpdateErrors,
  endpointSliceUpdateErrors,
  serviceCIDRUpdateErrors,
} from '../../sdk/model/validate.js';
import { defaultService } from '../../sdk/model/defaults.js';
import { ValidationError } from '../../sdk/model/errors.js';
import type { EndpointSlice, Service, ServiceCIDR } from '../../sdk/model/types.js';
import { DNS1035, DNS1123_LABEL, DNS1123_SUBDOMAIN, LABEL_VALUE, QUALIFIED } from './messages.js';
import { causesOf, makeEndpoint, makeNamespace, makeService, makeServiceCIDR, makeSlice, validationErrorOf } from './builders.js';

const IP_MSG = 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)';
const RANGE = 'must be between 1 and 65535, inclusive';

type Case<T> = { desc: string; obj: T; field: string; message: string };

function expectCause<T>(validate: (o: T) => void, { obj, field, message }: Case<T>): void {
  const causes = causesOf(() => validate(obj));
  expect(causes.map((c) => `${c.field}: ${c.message}`)).toContain(`${field}: ${message}`);
}

// ---------------------------------------------------------------------------- Service

const serviceCases: Case<Service>[] = [
  { desc: '01 rejects port 0', obj: makeService({ ports: [{ port: 0, targetPort: 80 }] }), field: 'spec.ports[0].port', message: `Invalid value: 0: ${RANGE}` },
  { desc: '02 rejects port 65536', obj: makeService({ ports: [{ port: 65536, targetPort: 80 }] }), field: 'spec.ports[0].port', message: `Invalid value: 65536: ${RANGE}` },
  { desc: '03 rejects an upper-case name', obj: makeService({}, { name: 'Numbers' }), field: 'metadata.name', message: `Invalid value: "Numbers": ${DNS1035}` },
  { desc: '04 rejects a name starting with a digit', obj: makeService({}, { name: '1web' }), field: 'metadata.name', message: `Invalid value: "1web": ${DNS1035}` },
  { desc: '05 rejects a 64-character name', obj: makeService({}, { name: 'a'.repeat(64) }), field: 'metadata.name', message: `Invalid value: "${'a'.repeat(64)}": must be no more than 63 characters` },
  { desc: '06 rejects a missing name', obj: makeService({}, { name: '' }), field: 'metadata.name', message: 'Required value: name or generateName is required' },
  { desc: '07 rejects an invalid namespace', obj: makeService({}, { namespace: 'Team_A' }), field: 'metadata.namespace', message: `Invalid value: "Team_A": ${DNS1123_LABEL}` },
  { desc: '08 requires ports', obj: makeService({ ports: [] }), field: 'spec.ports', message: 'Required value' },
  { desc: '09 requires names when there are several ports', obj: makeService({ ports: [{ port: 80 }, { port: 443, name: 'https' }] }), field: 'spec.ports[0].name', message: 'Required value' },
  { desc: '10 rejects duplicate port names', obj: makeService({ ports: [{ port: 80, name: 'http' }, { port: 81, name: 'http' }] }), field: 'spec.ports[1].name', message: 'Duplicate value: "http"' },
  { desc: '11 port names are DNS-1123 labels', obj: makeService({ ports: [{ port: 80, name: 'HTTP' }] }), field: 'spec.ports[0].name', message: `Invalid value: "HTTP": ${DNS1123_LABEL}` },
  {
    desc: '12 rejects a duplicate (port, protocol)',
    obj: makeService({ ports: [{ port: 80, name: 'a' }, { port: 80, name: 'b' }] }),
    field: 'spec.ports[1]',
    message:
      'Duplicate value: core.ServicePort{Name:"", Protocol:"TCP", AppProtocol:(*string)(nil), Port:80, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}',
  },
  { desc: '13 rejects an unknown protocol', obj: makeService({ ports: [{ port: 80, protocol: 'HTTP' as 'TCP' }] }), field: 'spec.ports[0].protocol', message: 'Unsupported value: "HTTP": supported values: "SCTP", "TCP", "UDP"' },
  { desc: '14 rejects targetPort 70000', obj: makeService({ ports: [{ port: 80, targetPort: 70000 }] }), field: 'spec.ports[0].targetPort', message: `Invalid value: 70000: ${RANGE}` },
  { desc: '15 rejects an upper-case named targetPort', obj: makeService({ ports: [{ port: 80, targetPort: 'Http' }] }), field: 'spec.ports[0].targetPort', message: 'Invalid value: "Http": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)' },
  { desc: '16 rejects a 16-character targetPort', obj: makeService({ ports: [{ port: 80, targetPort: 'a'.repeat(16) }] }), field: 'spec.ports[0].targetPort', message: `Invalid value: "${'a'.repeat(16)}": must be no more than 15 characters` },
  { desc: '17 rejects a targetPort with no letter', obj: makeService({ ports: [{ port: 80, targetPort: '8080' }] }), field: 'spec.ports[0].targetPort', message: 'Invalid value: "8080": must contain at least one letter (a-z)' },
  { desc: '18 rejects a targetPort with --', obj: makeService({ ports: [{ port: 80, targetPort: 'a--b' }] }), field: 'spec.ports[0].targetPort', message: 'Invalid value: "a--b": must not contain consecutive hyphens' },
  { desc: '19 rejects a targetPort with a leading hyphen', obj: makeService({ ports: [{ port: 80, targetPort: '-web' }] }), field: 'spec.ports[0].targetPort', message: 'Invalid value: "-web": must not begin or end with a hyphen' },
  { desc: '20 rejects clusterIP foo', obj: makeService({ clusterIP: 'foo' }), field: 'spec.clusterIPs[0]', message: `Invalid value: "foo": ${IP_MSG}` },
  { desc: '21 rejects a clusterIP with a leading zero', obj: makeService({ clusterIP: '10.96.0.010' }), field: 'spec.clusterIPs[0]', message: `Invalid value: "10.96.0.010": ${IP_MSG}` },
  { desc: '22 clusterIPs[0] must match clusterIP', obj: makeService({ clusterIP: '10.96.0.5', clusterIPs: ['10.96.0.6'] }), field: 'spec.clusterIPs', message: 'Invalid value: []string{"10.96.0.6"}: first value must match `clusterIP`' },
  { desc: '23 clusterIPs need clusterIP', obj: makeService({ clusterIPs: ['10.96.0.6'] }), field: 'spec.clusterIPs', message: 'Invalid value: []string{"10.96.0.6"}: must be empty when `clusterIP` is not specified' },
  { desc: '24 rejects an invalid external IP', obj: makeService({ externalIPs: ['1.2.3'] }), field: 'spec.externalIPs[0]', message: `Invalid value: "1.2.3": ${IP_MSG}` },
  { desc: '25 rejects a loopback external IP', obj: makeService({ externalIPs: ['127.0.0.1'] }), field: 'spec.externalIPs[0]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' },
  { desc: '26 rejects an unspecified external IP', obj: makeService({ externalIPs: ['0.0.0.0'] }), field: 'spec.externalIPs[0]', message: 'Invalid value: "0.0.0.0": may not be unspecified (0.0.0.0)' },
  { desc: '27 rejects a link-local external IP', obj: makeService({ externalIPs: ['169.254.1.1'] }), field: 'spec.externalIPs[0]', message: 'Invalid value: "169.254.1.1": may not be in the link-local range (169.254.0.0/16, fe80::/10)' },
  { desc: '28 rejects a bad selector key', obj: makeService({ selector: { '-app': 'x' } }), field: 'spec.selector', message: `Invalid value: "-app": ${QUALIFIED}` },
  { desc: '29 rejects a bad selector value', obj: makeService({ selector: { app: 'a b' } }), field: 'spec.selector', message: `Invalid value: "a b": ${LABEL_VALUE}` },
  { desc: '30 rejects a bad selector key prefix', obj: makeService({ selector: { 'Example.com/app': 'x' } }), field: 'spec.selector', message: `Invalid value: "Example.com/app": prefix part ${DNS1123_SUBDOMAIN}` },
  { desc: '31 rejects an unknown session affinity', obj: makeService({ sessionAffinity: 'Sticky' as 'None' }), field: 'spec.sessionAffinity', message: 'Unsupported value: "Sticky": supported values: "ClientIP", "None"' },
  {
    desc: '32 rejects a ClientIP timeout of 0',
    obj: makeService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 0 } } }),
    field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
    message: 'Invalid value: 0: must be greater than 0 and less than 86400',
  },
  {
    desc: '33 rejects a ClientIP timeout above a day',
    obj: makeService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86401 } } }),
    field: 'spec.sessionAffinityConfig.clientIP.timeoutSeconds',
    message: 'Invalid value: 86401: must be greater than 0 and less than 86400',
  },
  { desc: '34 rejects an unknown external traffic policy', obj: makeService({ type: 'NodePort', externalTrafficPolicy: 'Global' as 'Local' }), field: 'spec.externalTrafficPolicy', message: 'Unsupported value: "Global": supported values: "Cluster", "Local"' },
  { desc: '35 external traffic policy needs external access', obj: makeService({ externalTrafficPolicy: 'Local' }), field: 'spec.externalTrafficPolicy', message: 'Invalid value: "Local": may only be set for externally-accessible services' },
  { desc: '36 rejects an unknown internal traffic policy', obj: makeService({ internalTrafficPolicy: 'Node' as 'Local' }), field: 'spec.internalTrafficPolicy', message: 'Unsupported value: "Node": supported values: "Cluster", "Local"' },
  { desc: '37 ExternalName needs externalName', obj: makeService({ type: 'ExternalName', ports: [] }), field: 'spec.externalName', message: 'Required value' },
  { desc: '38 externalName is a DNS-1123 subdomain', obj: makeService({ type: 'ExternalName', externalName: 'Raw_GitHub.com' }), field: 'spec.externalName', message: `Invalid value: "Raw_GitHub.com": ${DNS1123_SUBDOMAIN}` },
  { desc: '39 ExternalName may not have a clusterIP', obj: makeService({ type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.9' }), field: 'spec.clusterIPs', message: 'Forbidden: may not be set for ExternalName services' },
  { desc: '40 a headless Service cannot be NodePort', obj: makeService({ type: 'NodePort', clusterIP: 'None' }), field: 'spec.clusterIPs[0]', message: `Invalid value: "None": may not be set to 'None' for NodePort services` },
  { desc: '41 a headless Service cannot be LoadBalancer', obj: makeService({ type: 'LoadBalancer', clusterIP: 'None' }), field: 'spec.clusterIPs[0]', message: `Invalid value: "None": may not be set to 'None' for LoadBalancer services` },
  { desc: '42 ClusterIP Services have no nodePort', obj: makeService({ ports: [{ port: 80, nodePort: 30080 }] }), field: 'spec.ports[0].nodePort', message: "Forbidden: may not be used when `type` is 'ClusterIP'" },
  {
    desc: '43 rejects a duplicate nodePort for one protocol',
    obj: makeService({ type: 'NodePort', ports: [{ port: 80, name: 'a', nodePort: 30001 }, { port: 81, name: 'b', nodePort: 30001 }] }),
    field: 'spec.ports[1].nodePort',
    message: 'Duplicate value: 30001',
  },
  { desc: '44 rejects an unknown type', obj: makeService({ type: 'Magic' as 'NodePort' }), field: 'spec.type', message: 'Unsupported value: "Magic": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' },
  { desc: '45 source ranges need a LoadBalancer', obj: makeService({ loadBalancerSourceRanges: ['10.0.0.0/8'] }), field: 'spec.LoadBalancerSourceRanges', message: "Forbidden: may only be used when `type` is 'LoadBalancer'" },
  {
    desc: '46 source ranges are CIDRs',
    obj: makeService({ type: 'LoadBalancer', loadBalancerSourceRanges: ['10.0.0.0/33'] }),
    field: 'spec.LoadBalancerSourceRanges[0]',
    message: 'Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)',
  },
  { desc: '47 allocateLoadBalancerNodePorts needs a LoadBalancer', obj: makeService({ type: 'NodePort', allocateLoadBalancerNodePorts: false }), field: 'spec.allocateLoadBalancerNodePorts', message: "Forbidden: may only be used when `type` is 'LoadBalancer'" },
  {
    desc: '48 healthCheckNodePort needs LoadBalancer and Local',
    obj: makeService({ type: 'LoadBalancer', healthCheckNodePort: 30500 }),
    field: 'spec.healthCheckNodePort',
    message: "Invalid value: 30500: may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'",
  },
  { desc: '49 rejects an unknown traffic distribution', obj: makeService({ trafficDistribution: 'Random' }), field: 'spec.trafficDistribution', message: 'Unsupported value: "Random": supported values: "PreferClose"' },
  { desc: '50 appProtocol is a qualified name', obj: makeService({ ports: [{ port: 80, appProtocol: 'k8s.io/-h2c' }] }), field: 'spec.ports[0].appProtocol', message: `Invalid value: "k8s.io/-h2c": ${QUALIFIED}` },
  { desc: '51 rejects an unknown IP family', obj: makeService({ ipFamilies: ['IPv5' as 'IPv4'] }), field: 'spec.ipFamilies[0]', message: 'Unsupported value: "IPv5": supported values: "IPv4", "IPv6"' },
  { desc: '52 rejects an unknown IP family policy', obj: makeService({ ipFamilyPolicy: 'Both' as 'SingleStack' }), field: 'spec.ipFamilyPolicy', message: 'Unsupported value: "Both": supported values: "PreferDualStack", "RequireDualStack", "SingleStack"' },
  {
    desc: '53 load balancer status needs a LoadBalancer',
    obj: makeService({}, {}, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: 'localhost' }] } })),
    field: 'status.loadBalancer.ingress',
    message: "Forbidden: may only be used when `spec.type` is 'LoadBalancer'",
  },
  {
    desc: '54 an ingress hostname is not an IP',
    obj: makeService({ type: 'LoadBalancer' }, {}, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: '1.2.3.4' }] } })),
    field: 'status.loadBalancer.ingress[0].hostname',
    message: 'Invalid value: "1.2.3.4": must be a DNS name, not an IP address',
  },
  { desc: '55 label name parts are at most 63 characters', obj: makeService({}, { labels: { ['k'.repeat(64)]: 'v' } }), field: 'metadata.labels', message: `Invalid value: "${'k'.repeat(64)}": name part must be no more than 63 characters` },
  { desc: '56 label values are at most 63 characters', obj: makeService({}, { labels: { k: 'v'.repeat(64) } }), field: 'metadata.labels', message: `Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters` },
  { desc: '57 annotation keys are qualified names', obj: makeService({}, { annotations: { 'bad key': 'v' } }), field: 'metadata.annotations', message: `Invalid value: "bad key": ${QUALIFIED}` },
  {
    desc: '58 the IP must match ipFamilies',
    obj: makeService({ clusterIP: '2001:db8::1', ipFamilies: ['IPv4'] }),
    field: 'spec.clusterIPs[0]',
    message: 'Invalid value: "2001:db8::1": expected an IPv4 value as indicated by `ipFamilies[0]`',
  },
  { desc: '59 headless clusterIPs hold None alone', obj: makeService({ clusterIP: 'None', clusterIPs: ['None', '10.96.0.1'] }), field: 'spec.clusterIPs', message: `Invalid value: []string{"None", "10.96.0.1"}: 'None' must be the first and only value` },
  { desc: '60 at most one IP per family', obj: makeService({ clusterIP: '10.96.0.1', clusterIPs: ['10.96.0.1', '10.96.0.2'] }), field: 'spec.clusterIPs', message: 'Invalid value: []string{"10.96.0.1", "10.96.0.2"}: may specify no more than one IP for each IP family' },
  { desc: '61 rejects a bad finalizer', obj: makeService({}, { finalizers: ['bad finalizer'] }), field: 'metadata.finalizers', message: `Invalid value: "bad finalizer": ${QUALIFIED}` },
  {
    desc: '62 owner references need a uid',
    obj: makeService({}, { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: '' }] }),
    field: 'metadata.ownerReferences.uid',
    message: 'Invalid value: "": uid must not be empty',
  },
];

const validServices: { desc: string; obj: Service }[] = [
  { desc: '01 a minimal ClusterIP Service', obj: makeService() },
  { desc: '02 a headless Service without ports', obj: makeService({ clusterIP: 'None', ports: [] }) },
  { desc: '03 an ExternalName with a trailing dot', obj: makeService({ type: 'ExternalName', externalName: 'raw.githubusercontent.com.', ports: [] }) },
  { desc: '04 53/UDP and 53/TCP', obj: makeService({ ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }] }) },
  { desc: '05 a NodePort with a requested node port', obj: makeService({ type: 'NodePort', ports: [{ port: 8080, targetPort: 80, nodePort: 30080 }] }) },
  { desc: '06 a TCP and a UDP port sharing a node port', obj: makeService({ type: 'NodePort', ports: [{ name: 'a', port: 53, protocol: 'UDP', nodePort: 30053 }, { name: 'b', port: 53, nodePort: 30053 }] }) },
  { desc: '07 a Local LoadBalancer with source ranges', obj: makeService({ type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30500, loadBalancerSourceRanges: [' 10.0.0.0/8'] }) },
  { desc: '08 ClientIP affinity for a day', obj: makeService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 86400 } } }) },
  { desc: '09 a named targetPort', obj: makeService({ ports: [{ port: 80, targetPort: 'http' }] }) },
  { desc: '10 a prefixed selector key', obj: makeService({ selector: { 'app.kubernetes.io/name': 'web' } }) },
  { desc: '11 external IPs on a ClusterIP with Local traffic', obj: makeService({ externalIPs: ['192.0.2.10'], externalTrafficPolicy: 'Local' }) },
  { desc: '12 a selector-less Service (the book\'s "headless" numbers-api)', obj: makeService({ selector: undefined }) },
  { desc: '13 the LoadBalancer status of numbers-web', obj: makeService({ type: 'LoadBalancer' }, {}, (s) => (s.status = { loadBalancer: { ingress: [{ hostname: 'localhost' }] } })) },
  { desc: '14 ClientIP without a config (defaulted to 10800 s)', obj: makeService({ sessionAffinity: 'ClientIP', sessionAffinityConfig: {} }) },
];

describe('validateService', () => {
  it.each(serviceCases)('$desc', (c) => expectCause(validateService, c));

  it.each(validServices)('accepts $desc', ({ obj }) => {
    expect(() => validateService(obj)).not.toThrow();
  });

  it('63 collects every error into one ValidationError', () => {
    const err = validationErrorOf(() => validateService(makeService({ clusterIP: 'foo', ports: [{ port: 0, name: 'x' }, { port: 80, name: 'x' }] }, { name: 'Bad' })));
    expect(err.kind).toBe('Service');
    expect(err.name).toBe('Bad');
    expect(err.namespace).toBe('default');
    expect(err.causes.map((c) => c.field)).toEqual([
      'metadata.name',
      'spec.ports[0].port',
      'spec.ports[0].targetPort',
      'spec.ports[1].name',
      'spec.clusterIPs[0]',
    ]);
    expect(err.message.startsWith('Service "Bad" is invalid: [metadata.name: Invalid value: "Bad": ')).toBe(true);
  });

  it('64 prints a single error like the API server', () => {
    const err = validationErrorOf(() => validateService(makeService({ ports: [{ port: 0, targetPort: 80 }] }, { name: 'foo' })));
    expect(err.message).toBe('Service "foo" is invalid: spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive');
  });

  it('65 validates the defaulted object and leaves the input alone', () => {
    const svc = makeService({ ports: [{ port: 80 }] });
    const before = structuredClone(svc);
    validateService(svc);
    expect(svc).toEqual(before);
  });
});

describe('serviceUpdateErrors', () => {
  const stored = (): Service => defaultService(makeService({ clusterIP: '10.96.0.50' }));

  it.each([
    {
      desc: '01 the ClusterIP may not change',
      next: (s: Service) => {
        s.spec.clusterIP = '10.96.0.51';
        s.spec.clusterIPs = ['10.96.0.51'];
      },
      want: 'spec.clusterIPs[0]: Invalid value: []string{"10.96.0.51"}: may not change once set',
    },
    {
      desc: '02 the ClusterIP may not be unset',
      next: (s: Service) => {
        delete s.spec.clusterIP;
        s.spec.clusterIPs = [];
      },
      want: 'spec.clusterIPs[0]: Invalid value: []string{}: primary clusterIP can not be unset',
    },
    {
      desc: '03 the uid may not change',
      next: (s: Service) => {
        s.metadata.uid = 'other';
      },
      want: 'metadata.uid: Invalid value: "other": field is immutable',
    },
  ])('$desc', ({ next, want }) => {
    const prev = stored();
    const n = structuredClone(prev);
    next(n);
    expect(serviceUpdateErrors(n, prev).map(String)).toContain(want);
  });

  it('04 switching to ExternalName may drop the ClusterIP', () => {
    const prev = stored();
    const next = defaultService(makeService({ type: 'ExternalName', externalName: 'example.com', ports: [] }));
    expect(serviceUpdateErrors(next, prev)).toEqual([]);
  });
});

// ---------------------------------------------------------------------------- Namespace

describe('validateNamespace', () => {
  it.each([
    { desc: '01 rejects upper case', obj: makeNamespace('Team'), field: 'metadata.name', message: `Invalid value: "Team": ${DNS1123_LABEL}` },
    { desc: '02 rejects dots', obj: makeNamespace('team.a'), field: 'metadata.name', message: 'Invalid value: "team.a": must not contain dots' },
    { desc: '03 rejects 64 characters', obj: makeNamespace('n'.repeat(64)), field: 'metadata.name', message: `Invalid value: "${'n'.repeat(64)}": must be no more than 63 characters` },
    { desc: '04 a Namespace has no namespace', obj: makeNamespace('team', { namespace: 'default' }), field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' },
    { desc: '05 finalizers are qualified or standard', obj: makeNamespace('team', { finalizers: ['custom'] }), field: 'metadata.finalizers', message: 'Invalid value: "custom": name is neither a standard finalizer name nor is it fully qualified' },
    { desc: '06 a missing name', obj: makeNamespace(''), field: 'metadata.name', message: 'Required value: name or generateName is required' },
  ])('$desc', (c) => expectCause(validateNamespace, c));

  it.each([
    { desc: '01 kube-node-lease', name: 'kube-node-lease' },
    { desc: '02 a leading digit (RFC 1123)', name: '1team' },
  ])('accepts $desc', ({ name }) => {
    expect(() => validateNamespace(makeNamespace(name))).not.toThrow();
  });
});

// ---------------------------------------------------------------------------- EndpointSlice

const sliceCases: Case<EndpointSlice>[] = [
  { desc: '01 requires addressType', obj: makeSlice('web', 'abcde', undefined, { addressType: '' as 'IPv4' }), field: 'addressType', message: 'Required value' },
  { desc: '02 rejects an unknown addressType', obj: makeSlice('web', 'abcde', undefined, { addressType: 'IP' as 'IPv4' }), field: 'addressType', message: 'Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"' },
  { desc: '03 IPv4 slices hold IPv4 addresses', obj: makeSlice('web', 'abcde', [makeEndpoint('fd00::1')]), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "fd00::1": must be a valid IPv4 address' },
  {
    desc: '04 IPv6 slices hold IPv6 addresses',
    obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5')], { addressType: 'IPv6' }),
    field: 'endpoints[0].addresses[0]',
    message: 'Invalid value: "10.1.0.5": must be a valid IPv6 address',
  },
  {
    desc: '05 FQDN addresses have two labels or more',
    obj: makeSlice('web', 'abcde', [makeEndpoint('localhost')], { addressType: 'FQDN' }),
    field: 'endpoints[0].addresses[0]',
    message: 'Invalid value: "localhost": should be a domain with at least two segments separated by dots',
  },
  { desc: '06 an endpoint needs an address', obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5', { addresses: [] })]), field: 'endpoints[0].addresses', message: 'Required value: must contain at least 1 address' },
  {
    desc: '07 at most 1000 endpoints',
    obj: makeSlice('web', 'abcde', Array.from({ length: 1001 }, (_, i) => makeEndpoint(`10.1.${i >> 8}.${(i & 255) + 0}`))),
    field: 'endpoints',
    message: 'Too many: 1001: must have at most 1000 items',
  },
  {
    desc: '08 at most 100 addresses per endpoint',
    obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5', { addresses: Array.from({ length: 101 }, (_, i) => `10.2.0.${i + 1}`) })]),
    field: 'endpoints[0].addresses',
    message: 'Too many: 101: must have at most 100 items',
  },
  { desc: '09 rejects loopback endpoints', obj: makeSlice('web', 'abcde', [makeEndpoint('127.0.0.1')]), field: 'endpoints[0].addresses[0]', message: 'Invalid value: "127.0.0.1": may not be in the loopback range (127.0.0.0/8, ::1/128)' },
  { desc: '10 port names are DNS-1123 labels', obj: makeSlice('web', 'abcde', undefined, { ports: [{ name: 'HTTP', protocol: 'TCP', port: 80 }] }), field: 'ports[0].name', message: `Invalid value: "HTTP": ${DNS1123_LABEL}` },
  {
    desc: '11 port names are unique',
    obj: makeSlice('web', 'abcde', undefined, { ports: [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }] }),
    field: 'ports[1].name',
    message: 'Duplicate value: ""',
  },
  { desc: '12 rejects an unknown protocol', obj: makeSlice('web', 'abcde', undefined, { ports: [{ name: '', protocol: 'ICMP' as 'TCP', port: 80 }] }), field: 'ports[0].protocol', message: 'Unsupported value: "ICMP": supported values: "SCTP", "TCP", "UDP"' },
  { desc: '13 hostnames are DNS-1123 labels', obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5', { hostname: 'web.0' })]), field: 'endpoints[0].hostname', message: 'Invalid value: "web.0": must not contain dots' },
  { desc: '14 node names are DNS-1123 subdomains', obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5', { nodeName: 'Docker_Desktop' })]), field: 'endpoints[0].nodeName', message: `Invalid value: "Docker_Desktop": ${DNS1123_SUBDOMAIN}` },
  { desc: '15 slice names are DNS-1123 subdomains', obj: makeSlice('web', 'abcde', undefined, {}, { name: 'Web_1' }), field: 'metadata.name', message: `Invalid value: "Web_1": ${DNS1123_SUBDOMAIN}` },
  {
    desc: '16 zone hints are unique',
    obj: makeSlice('web', 'abcde', [makeEndpoint('10.1.0.5', { hints: { forZones: [{ name: 'a' }, { name: 'a' }] } })]),
    field: 'endpoints[0].hints.forZones[1].name',
    message: 'Duplicate value: "a"',
  },
  { desc: '17 ports are 1-65535', obj: makeSlice('web', 'abcde', undefined, { ports: [{ name: '', protocol: 'TCP', port: 0 }] }), field: 'ports[0].port', message: `Invalid value: 0: ${RANGE}` },
];

describe('validateEndpointSlice', () => {
  it.each(sliceCases)('$desc', (c) => expectCause(validateEndpointSlice, c));

  it.each([
    { desc: '01 the seed sleep-2 slice', obj: makeSlice('sleep-2', 'x7k2p', [makeEndpoint('10.1.0.43')]) },
    { desc: '02 a slice without the service-name label', obj: makeSlice('web', 'abcde', undefined, {}, { labels: {} }) },
    { desc: '03 a dotted slice name', obj: makeSlice('web', 'abcde', undefined, {}, { name: 'web.v1-abcde' }) },
    { desc: '04 an empty slice (no pods match)', obj: makeSlice('web', 'abcde', []) },
    { desc: '05 a slice with defaulted ports', obj: makeSlice('web', 'abcde', undefined, { ports: [{ port: 80 }] }) },
    { desc: '06 an FQDN slice', obj: makeSlice('web', 'abcde', [makeEndpoint('raw.githubusercontent.com.')], { addressType: 'FQDN' }) },
    { desc: '07 nil conditions', obj: makeSlice('web', 'abcde', [{ addresses: ['10.1.0.9'] }]) },
  ])('accepts $desc', ({ obj }) => {
    expect(() => validateEndpointSlice(obj)).not.toThrow();
  });

  it('18 addressType is immutable', () => {
    const prev = makeSlice('web');
    const next = makeSlice('web', 'abcde', [makeEndpoint('fd00::5')], { addressType: 'IPv6' });
    expect(endpointSliceUpdateErrors(next, prev).map(String)).toEqual(['addressType: Invalid value: "IPv6": field is immutable']);
  });

  it('19 reports the qualified kind', () => {
    expect(validationErrorOf(() => validateEndpointSlice(makeSlice('web', 'abcde', [], { addressType: 'IP' as 'IPv4' }))).message).toBe(
      'EndpointSlice.discovery.k8s.io "web-abcde" is invalid: addressType: Unsupported value: "IP": supported values: "FQDN", "IPv4", "IPv6"',
    );
  });
});

// ---------------------------------------------------------------------------- ServiceCIDR

describe('validateServiceCIDR', () => {
  it.each<Case<ServiceCIDR>>([
    { desc: '01 needs a CIDR', obj: makeServiceCIDR('extra', []), field: 'spec.cidrs', message: 'Required value: at least one CIDR required' },
    {
      desc: '02 holds at most two',
      obj: makeServiceCIDR('extra', ['10.0.0.0/24', 'fd00::/64', '10.1.0.0/24']),
      field: 'spec.cidrs',
      message: 'Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"10.0.0.0/24", "fd00::/64", "10.1.0.0/24"}}: may only hold up to 2 values',
    },
    { desc: '03 CIDRs must parse', obj: makeServiceCIDR('extra', ['10.0.0.0/40']), field: 'spec.cidrs[0]', message: 'Invalid value: "10.0.0.0/40": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)' },
    {
      desc: '04 one CIDR per family',
      obj: makeServiceCIDR('extra', ['10.0.0.0/24', '10.1.0.0/24']),
      field: 'spec.cidrs',
      message:
        'Invalid value: networking.ServiceCIDRSpec{CIDRs:[]string{"10.0.0.0/24", "10.1.0.0/24"}}: may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64',
    },
    { desc: '05 names are DNS-1123 subdomains', obj: makeServiceCIDR('Extra', ['10.0.0.0/24']), field: 'metadata.name', message: `Invalid value: "Extra": ${DNS1123_SUBDOMAIN}` },
  ])('$desc', (c) => expectCause(validateServiceCIDR, c));

  it('06 accepts a dual-stack pair', () => {
    expect(() => validateServiceCIDR(makeServiceCIDR('kubernetes', ['10.96.0.0/12', 'fd00:10:96::/112']))).not.toThrow();
  });

  it('07 the CIDRs are immutable', () => {
    const errs = serviceCIDRUpdateErrors(makeServiceCIDR('x', ['10.1.0.0/24']), makeServiceCIDR('x', ['10.0.0.0/24']));
    expect(errs.map(String)).toEqual(['spec.cidrs: Invalid value: []string{"10.1.0.0/24"}: field is immutable']);
  });

  it('08 a thrown error is a ValidationError', () => {
    expect(() => validateServiceCIDR(makeServiceCIDR('x', []))).toThrow(ValidationError);
  });
});
