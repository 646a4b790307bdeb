// RFC 7386 (JSON Merge Patch) Appendix A, "Example Test Cases": every row, in order.
// `target` and `patch` are the JSON texts of the RFC's table.

export interface MergePatchCase {
  desc: string;
  target: string;
  patch: string;
  want: string;
}

export const RFC7386_APPENDIX_A: readonly MergePatchCase[] = [
  { desc: '01 a member is replaced', target: '{"a":"b"}', patch: '{"a":"c"}', want: '{"a":"c"}' },
  { desc: '02 a member is added', target: '{"a":"b"}', patch: '{"b":"c"}', want: '{"a":"b","b":"c"}' },
  { desc: '03 null removes the only member', target: '{"a":"b"}', patch: '{"a":null}', want: '{}' },
  { desc: '04 null removes one member', target: '{"a":"b","b":"c"}', patch: '{"a":null}', want: '{"b":"c"}' },
  { desc: '05 a string replaces an array', target: '{"a":["b"]}', patch: '{"a":"c"}', want: '{"a":"c"}' },
  { desc: '06 an array replaces a string', target: '{"a":"c"}', patch: '{"a":["b"]}', want: '{"a":["b"]}' },
  { desc: '07 nested objects merge, nested null removes', target: '{"a":{"b":"c"}}', patch: '{"a":{"b":"d","c":null}}', want: '{"a":{"b":"d"}}' },
  { desc: '08 arrays are replaced, not merged', target: '{"a":[{"b":"c"}]}', patch: '{"a":[1]}', want: '{"a":[1]}' },
  { desc: '09 an array patch replaces an array', target: '["a","b"]', patch: '["c","d"]', want: '["c","d"]' },
  { desc: '10 an array patch replaces an object', target: '{"a":"b"}', patch: '["c"]', want: '["c"]' },
  { desc: '11 a null patch gives null', target: '{"a":"foo"}', patch: 'null', want: 'null' },
  { desc: '12 a string patch gives the string', target: '{"a":"foo"}', patch: '"bar"', want: '"bar"' },
  { desc: '13 a null already in the target stays', target: '{"e":null}', patch: '{"a":1}', want: '{"e":null,"a":1}' },
  { desc: '14 an object patch on an array starts from {} and drops nulls', target: '[1,2]', patch: '{"a":"b","c":null}', want: '{"a":"b"}' },
  { desc: '15 nulls inside new members are dropped', target: '{}', patch: '{"a":{"bb":{"ccc":null}}}', want: '{"a":{"bb":{}}}' },
];
