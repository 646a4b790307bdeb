/**
 * Label selectors, as `kubectl get -l` and list calls take them
 * (`k8s.io/apimachinery/pkg/labels/selector.go` `Parse`), and as API objects carry them
 * (`metav1.LabelSelector`, `LabelSelectorAsSelector`).
 *
 * String syntax: requirements separated by commas, all of which must hold:
 * `key=value`, `key==value`, `key!=value`, `key in (a,b)`, `key notin (a,b)`, `key`
 * (exists), `!key` (does not exist), `key>n`, `key<n` (integer comparisons).
 */

import { BadRequestError } from './errors.js';
import { isQualifiedName, isValidLabelValue } from './names.js';

export type SelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';

export interface Requirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** `metav1.LabelSelectorRequirement`. */
export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

/** `metav1.LabelSelector`: both parts must hold; an empty selector selects everything. */
export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** What list calls accept: the string syntax, an equality map, or a `LabelSelector`. */
export type LabelSelectorInput = string | Record<string, string> | LabelSelector;

function fail(selector: string, reason: string): never {
  throw new BadRequestError(`unable to parse requirement: ${JSON.stringify(selector)}: ${reason}`);
}

function checkKey(selector: string, key: string): void {
  const msgs = isQualifiedName(key);
  if (msgs.length > 0) fail(selector, `invalid label key ${JSON.stringify(key)}: ${msgs.join('; ')}`);
}

function checkValue(selector: string, value: string): void {
  const msgs = isValidLabelValue(value);
  if (msgs.length > 0) fail(selector, `invalid label value ${JSON.stringify(value)}: ${msgs.join('; ')}`);
}

/** Splits on commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

const SET_RE = /^([^\s!=<>()]+)\s+(in|notin)\s*\(([^()]*)\)$/;
const CMP_RE = /^([^\s!=<>()]+)\s*(==|=|!=|>|<)\s*([^\s!=<>(),]*)$/;
const KEY_RE = /^(!?)\s*([^\s!=<>()]+)$/;

/** Parses the string syntax; throws `BadRequestError` on malformed input. */
export function parseLabelSelector(selector: string): Requirement[] {
  const text = selector.trim();
  if (text === '') return [];
  const out: Requirement[] = [];
  for (const raw of splitTopLevel(text)) {
    const part = raw.trim();
    if (part === '') fail(selector, 'found an empty requirement');
    let m = SET_RE.exec(part);
    if (m) {
      checkKey(selector, m[1]);
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') fail(selector, `${m[2]} needs at least one value`);
      values.forEach((v) => checkValue(selector, v));
      out.push({ key: m[1], operator: m[2] === 'in' ? 'In' : 'NotIn', values });
      continue;
    }
    m = CMP_RE.exec(part);
    if (m) {
      checkKey(selector, m[1]);
      const op = m[2];
      if (op === '>' || op === '<') {
        if (!/^-?\d+$/.test(m[3])) fail(selector, `for '${op}' the value must be an integer, got ${JSON.stringify(m[3])}`);
        out.push({ key: m[1], operator: op === '>' ? 'Gt' : 'Lt', values: [m[3]] });
      } else {
        checkValue(selector, m[3]);
        out.push({ key: m[1], operator: op === '!=' ? 'NotIn' : 'In', values: [m[3]] });
      }
      continue;
    }
    m = KEY_RE.exec(part);
    if (m) {
      checkKey(selector, m[2]);
      out.push({ key: m[2], operator: m[1] === '!' ? 'DoesNotExist' : 'Exists', values: [] });
      continue;
    }
    fail(selector, `cannot parse ${JSON.stringify(part)}`);
  }
  return out;
}

/** The requirements of any accepted selector form. */
export function labelSelectorRequirements(selector: LabelSelectorInput | undefined): Requirement[] {
  if (selector === undefined) return [];
  if (typeof selector === 'string') return parseLabelSelector(selector);
  const isLabelSelector = 'matchLabels' in selector || 'matchExpressions' in selector;
  const out: Requirement[] = [];
  const matchLabels = (isLabelSelector ? (selector as LabelSelector).matchLabels : (selector as Record<string, string>)) ?? {};
  for (const key of Object.keys(matchLabels).sort()) out.push({ key, operator: 'In', values: [matchLabels[key]] });
  if (isLabelSelector) {
    for (const e of (selector as LabelSelector).matchExpressions ?? []) {
      out.push({ key: e.key, operator: e.operator, values: [...(e.values ?? [])] });
    }
  }
  return out;
}

/** Whether `labels` satisfy every requirement (`labels.Requirement.Matches`). */
export function matchesRequirements(requirements: readonly Requirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  const l = labels ?? {};
  for (const r of requirements) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const value = has ? l[r.key] : undefined;
    switch (r.operator) {
      case 'In':
        if (!has || !r.values.includes(value!)) return false;
        break;
      case 'NotIn':
        if (has && r.values.includes(value!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      case 'Gt':
      case 'Lt': {
        if (!has || !/^-?\d+$/.test(value!)) return false;
        const n = Number(value);
        const bound = Number(r.values[0]);
        if (r.operator === 'Gt' ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** Whether `labels` match `selector` (any accepted form; undefined selects everything). */
export function matchesLabelSelector(selector: LabelSelectorInput | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  return matchesRequirements(labelSelectorRequirements(selector), labels);
}
