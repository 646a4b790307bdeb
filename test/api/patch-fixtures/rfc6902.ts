// RFC 6902 (JSON Patch) Appendix A, "Examples": every example, in order. `error` cases must
// fail with a PatchError (422) whose message matches; the others give `want`.

export interface JsonPatchCase {
  desc: string;
  doc: string;
  patch: string;
  want?: string;
  error?: RegExp;
}

export const RFC6902_APPENDIX_A: readonly JsonPatchCase[] = [
  {
    desc: 'A.1 adding an object member',
    doc: '{"foo":"bar"}',
    patch: '[{"op":"add","path":"/baz","value":"qux"}]',
    want: '{"baz":"qux","foo":"bar"}',
  },
  {
    desc: 'A.2 adding an array element',
    doc: '{"foo":["bar","baz"]}',
    patch: '[{"op":"add","path":"/foo/1","value":"qux"}]',
    want: '{"foo":["bar","qux","baz"]}',
  },
  {
    desc: 'A.3 removing an object member',
    doc: '{"baz":"qux","foo":"bar"}',
    patch: '[{"op":"remove","path":"/baz"}]',
    want: '{"foo":"bar"}',
  },
  {
    desc: 'A.4 removing an array element',
    doc: '{"foo":["bar","qux","baz"]}',
    patch: '[{"op":"remove","path":"/foo/1"}]',
    want: '{"foo":["bar","baz"]}',
  },
  {
    desc: 'A.5 replacing a value',
    doc: '{"baz":"qux","foo":"bar"}',
    patch: '[{"op":"replace","path":"/baz","value":"boo"}]',
    want: '{"baz":"boo","foo":"bar"}',
  },
  {
    desc: 'A.6 moving a value',
    doc: '{"foo":{"bar":"baz","waldo":"fred"},"qux":{"corge":"grault"}}',
    patch: '[{"op":"move","from":"/foo/waldo","path":"/qux/thud"}]',
    want: '{"foo":{"bar":"baz"},"qux":{"corge":"grault","thud":"fred"}}',
  },
  {
    desc: 'A.7 moving an array element',
    doc: '{"foo":["all","grass","cows","eat"]}',
    patch: '[{"op":"move","from":"/foo/1","path":"/foo/3"}]',
    want: '{"foo":["all","cows","eat","grass"]}',
  },
  {
    desc: 'A.8 testing a value: success',
    doc: '{"baz":"qux","foo":["a",2,"c"]}',
    patch: '[{"op":"test","path":"/baz","value":"qux"},{"op":"test","path":"/foo/1","value":2}]',
    want: '{"baz":"qux","foo":["a",2,"c"]}',
  },
  {
    desc: 'A.9 testing a value: error',
    doc: '{"baz":"qux"}',
    patch: '[{"op":"test","path":"/baz","value":"bar"}]',
    error: /^testing value \/baz failed: test failed$/,
  },
  {
    desc: 'A.10 adding a nested member object',
    doc: '{"foo":"bar"}',
    patch: '[{"op":"add","path":"/child","value":{"grandchild":{}}}]',
    want: '{"foo":"bar","child":{"grandchild":{}}}',
  },
  {
    desc: 'A.11 ignoring unrecognized elements',
    doc: '{"foo":"bar"}',
    patch: '[{"op":"add","path":"/baz","value":"qux","xyz":123}]',
    want: '{"foo":"bar","baz":"qux"}',
  },
  {
    desc: 'A.12 adding to a nonexistent target',
    doc: '{"foo":"bar"}',
    patch: '[{"op":"add","path":"/baz/bat","value":"qux"}]',
    error: /^add operation does not apply: doc is missing path: "\/baz\/bat": missing value$/,
  },
  {
    // The duplicate "op" cannot be seen once JSON.parse has kept the last one; the parsed
    // operation (remove /baz) still fails, as the RFC requires.
    desc: 'A.13 invalid JSON patch document (duplicate "op")',
    doc: '{"foo":"bar"}',
    patch: '[{"op":"add","path":"/baz","value":"qux","op":"remove"}]',
    error: /^error in remove for path: '\/baz': Unable to remove nonexistent key: baz: missing value$/,
  },
  {
    desc: 'A.14 ~ escape ordering',
    doc: '{"/":9,"~1":10}',
    patch: '[{"op":"test","path":"/~01","value":10}]',
    want: '{"/":9,"~1":10}',
  },
  {
    desc: 'A.15 comparing strings and numbers',
    doc: '{"/":9,"~1":10}',
    patch: '[{"op":"test","path":"/~01","value":"10"}]',
    error: /^testing value \/~01 failed: test failed$/,
  },
  {
    desc: 'A.16 adding an array value',
    doc: '{"foo":["bar"]}',
    patch: '[{"op":"add","path":"/foo/-","value":["abc","def"]}]',
    want: '{"foo":["bar",["abc","def"]]}',
  },
];
