// Regex micro-benchmark (not a test): what running `matches` and field `pattern`s on RE2 (re2js)
// costs against V8's backtracking engine, on the patterns profiles use, and what each does with
// a value built to make a backtracking engine explode.
// Run: npx tsx bench/regex-micro.ts
import { compileRegex } from '../router/rules/regex.ts';

const PATTERNS: [string, string[]][] = [
  ['^[0-9]{5}$', ['10001', '1000', 'ABCDE']],
  ['^\\+?[0-9 ()-]{7,20}$', ['+1 (212) 555-0100', 'call me']],
  ['^[^@\\s]+@[^@\\s]+$', ['a@example.com', 'not-an-email']],
  ['^9[0-6][0-9]{3}$', ['94105', '10001']],
];

function perCall(test: (s: string) => boolean, values: string[], seconds = 0.5): number {
  let n = 0;
  const end = performance.now() + seconds * 1000;
  let t = performance.now();
  while (t < end) {
    for (let i = 0; i < 1000; i++) test(values[i % values.length]);
    n += 1000;
    t = performance.now();
  }
  return ((seconds * 1000) / n) * 1000; // µs
}

console.log('pattern'.padEnd(28), 'RE2 (µs/call)', 'V8 (µs/call)');
for (const [source, values] of PATTERNS) {
  const re2 = compileRegex(source);
  const v8 = new RegExp(source);
  const a = perCall((s) => re2.test(s), values);
  const b = perCall((s) => v8.test(s), values);
  console.log(source.padEnd(28), a.toFixed(3).padStart(13), b.toFixed(3).padStart(12));
}

// ^([0-9]+-?)+$ against n digits and `!`: V8's time doubles with every digit; RE2's grows linearly.
console.log('\n^([0-9]+-?)+$ on <n digits>!', 'RE2 (ms)', 'V8 (ms)');
const hostile = '^([0-9]+-?)+$';
for (const n of [16, 20, 22, 24, 1000]) {
  const value = `${'1'.repeat(n)}!`;
  let t = performance.now();
  compileRegex(hostile).test(value);
  const re2 = performance.now() - t;
  let v8 = 'not run (minutes)';
  if (n <= 24) {
    t = performance.now();
    new RegExp(hostile).test(value);
    v8 = (performance.now() - t).toFixed(1);
  }
  console.log(String(n).padEnd(28), re2.toFixed(3).padStart(8), v8.padStart(8));
}
