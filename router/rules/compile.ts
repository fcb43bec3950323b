// A rule list compiled once: checked in full at load; on first use, a tree of small closures
// (the reference semantics, and what `explain` walks to build a RuleFailure for the first rule
// that does not hold); once used often, for the hot path `test`, the same tree as one generated
// function (codegen.ts). Evaluating a lead does no parsing, no regex compilation and no
// allocation beyond lowercasing for ignoreCase.
import type { Condition, Rule } from '../config/types.ts';
import { generateTest, readCode } from './codegen.ts';
import { checkCondition, compileCondition, invalid } from './operators.ts';
import type { CompiledCondition, Constant } from './operators.ts';
import { conditionFailure } from './failure-words.ts';
import type { CompiledRules, RuleFailure } from './types.ts';

type Lead = Readonly<Record<string, unknown>>;
type Test = (lead: Lead) => boolean;

/** Why a rule holds, for messages about a `not` that excluded the lead. */
interface Held {
  field: string;
  actual: unknown;
  message: string;
}

interface Node {
  test: Test;
  /** null when the rule holds. */
  fail(lead: Lead): RuleFailure | null;
  /** Only called when the rule holds. */
  held(lead: Lead): Held;
  /** The rule as a JavaScript expression, for the generated fast path. */
  emit(c: Constant): string;
}

export interface CompileOptions {
  /** Prefix of `at` paths in failures and compile errors (default `rules`). */
  at?: string;
  /**
   * Generate one JavaScript function for `test` (default true; about 2× faster than the
   * closure tree). Falls back to the closures by itself where code generation is disallowed.
   */
  codegen?: boolean;
  /**
   * Evaluations with the closure tree before `test` switches to generated code (default
   * CODEGEN_AFTER; 0 generates it at once). Only rule lists that are used often pay for it.
   */
  codegenAfter?: number;
}

/** Default `codegenAfter`: a rule list earns generated code after this many evaluations. */
export const CODEGEN_AFTER = 64;

/**
 * Compile a rule list (all rules must hold). Throws a LeadrouteError (CONFIG_INVALID, with the
 * rule's path) for a malformed rule or a regex that does not compile; never throws afterwards.
 *
 * The list is checked here, in full; its closures are built when it is first evaluated or
 * explained, and its generated code after `codegenAfter` evaluations, so a config of thousands
 * of rule lists loads fast and holds memory only for the lists that leads reach. Only a frozen
 * list (a loaded config is deep-frozen) waits: any other one could change in the meantime, so its
 * closures are built here.
 */
export function compileRules(rules: readonly Rule[], opts: CompileOptions = {}): CompiledRules {
  const prefix = opts.at ?? 'rules';
  if (!Array.isArray(rules)) throw invalid(prefix, 'rules must be a list');
  try {
    // Rule paths cost a string per rule: made only to say where an error is.
    for (let i = 0; i < rules.length; i++) checkRule((rules as readonly Rule[])[i], undefined);
  } catch (err) {
    for (let i = 0; i < rules.length; i++) checkRule((rules as readonly Rule[])[i], `${prefix}[${i}]`);
    throw err;
  }
  const after = opts.codegen === false ? Infinity : Math.max(0, opts.codegenAfter ?? CODEGEN_AFTER);
  const compiled = new LazyRules(rules, prefix, after);
  if (!Object.isFrozen(rules)) compiled.tree();
  if (after === 0) compiled.generate();
  return compiled;
}

// A class, not closures: thousands of these wait at load, and each should cost a few fields.
class LazyRules implements CompiledRules {
  /** Starts as the warm-up, which counts evaluations; then the closures or the generated code. */
  test: Test;
  warming = true;
  private built: Node | undefined;
  private evaluations = 0;

  constructor(
    private readonly rules: readonly Rule[],
    private readonly prefix: string,
    private readonly after: number,
  ) {
    this.test = warmUp(this);
  }

  explain(lead: Lead): RuleFailure | null {
    return this.tree().fail(lead);
  }

  tree(): Node {
    return (this.built ??= new AllNode(this.rules.map((r, i) => compileRule(r, `${this.prefix}[${i}]`))));
  }

  generate(): void {
    const closures = this.tree().test;
    this.warming = false;
    this.test = this.after === Infinity ? closures : generateTest((c) => this.tree().emit(c), closures) ?? closures;
  }

  /** One evaluation during warm-up, by the closure tree. */
  warm(lead: Lead): boolean {
    if (this.after === Infinity || ++this.evaluations > this.after) this.generate();
    return this.tree().test(lead);
  }
}

// Someone may hold the warm-up function itself (`const t = rules.test`): afterwards it forwards.
function warmUp(rules: LazyRules): Test {
  return (lead) => (rules.warming ? rules.warm(lead) : rules.test(lead));
}

const CONDITION = { key: 'field' } as const;

/** What a rule is, once its shape is checked: a condition or a group. Throws like compileRule. */
function ruleShape(rule: Rule, at: string): { key: 'field' } | { key: 'not'; inner: Rule } | { key: 'any' | 'all'; list: Rule[] } {
  if (typeof rule !== 'object' || rule === null || Array.isArray(rule)) {
    throw invalid(at, 'a rule must be a condition (`field` + operator) or an `any`, `all` or `not` group');
  }
  // Checked for every rule of every list at load: conditions allocate nothing.
  if ('field' in rule && !('any' in rule) && !('all' in rule) && !('not' in rule)) return CONDITION;
  const groupKeys = ['any', 'all', 'not'].filter((k) => k in rule);
  if ('field' in rule) throw invalid(at, `a condition cannot also be an \`${groupKeys[0]}\` group`);
  if (groupKeys.length !== 1) {
    throw invalid(at, groupKeys.length
      ? `a group has exactly one of any/all/not (found ${groupKeys.join(', ')})`
      : 'a rule must be a condition (`field` + operator) or an `any`, `all` or `not` group');
  }
  const key = groupKeys[0] as 'any' | 'all' | 'not';
  const extra = Object.keys(rule).filter((k) => k !== key);
  if (extra.length) throw invalid(at, `unknown key \`${extra[0]}\` in an \`${key}\` group`);
  if (key === 'not') return { key, inner: (rule as { not: Rule }).not };
  const list = (rule as unknown as Record<string, unknown>)[key];
  if (!Array.isArray(list)) throw invalid(at, `\`${key}\` must be a list of rules`);
  return { key, list: list as Rule[] };
}

/** Throws exactly what compileRule would throw, building nothing; `at` undefined: a path-less error. */
function checkRule(rule: Rule, at: string | undefined): void {
  const shape = ruleShape(rule, at ?? '');
  if (shape.key === 'field') checkCondition(rule as Condition, at ?? '');
  else if (shape.key === 'not') checkRule(shape.inner, at === undefined ? at : `${at}.not`);
  else for (let i = 0; i < shape.list.length; i++) checkRule(shape.list[i], at === undefined ? at : `${at}.${shape.key}[${i}]`);
}

function compileRule(rule: Rule, at: string): Node {
  const shape = ruleShape(rule, at);
  if (shape.key === 'field') return new ConditionNode(compileCondition(rule as Condition, at), at);
  if (shape.key === 'not') return new NotNode(compileRule(shape.inner, `${at}.not`), at);
  const children = shape.list.map((r, i) => compileRule(r, `${at}.${shape.key}[${i}]`));
  return shape.key === 'any' ? new AnyNode(children, at) : new AllNode(children);
}

// Nodes are classes whose only closure is `test`: fail, held and emit live on the prototypes,
// so a rule list costs little more than its conditions.

class ConditionNode implements Node {
  readonly test: Test;

  constructor(private readonly cond: CompiledCondition, private readonly at: string) {
    this.test = conditionTest(cond.read, cond.check);
  }

  emit(c: Constant): string {
    const { cond } = this;
    return `((v = ${readCode(cond.segments, cond.read, c)}), ${cond.code(c)})`;
  }

  fail(lead: Lead): RuleFailure | null {
    const { cond } = this;
    const actual = cond.read(lead);
    if (cond.check(actual)) return null;
    return conditionFailure(this.at, cond.field, cond.operator, cond.expected, actual, cond.describe(actual, false), cond.ignoreCase);
  }

  held(lead: Lead): Held {
    const { cond } = this;
    const actual = cond.read(lead);
    return { field: cond.field, actual, message: cond.describe(actual, true) };
  }
}

function conditionTest(read: (lead: unknown) => unknown, check: (v: unknown) => boolean): Test {
  return (lead) => check(read(lead));
}

class AllNode implements Node {
  readonly test: Test;

  constructor(private readonly children: readonly Node[]) {
    this.test = allOf(children.map((n) => n.test));
  }

  emit(c: Constant): string {
    const { children } = this;
    return children.length ? `(${children.map((n) => n.emit(c)).join(' && ')})` : 'true';
  }

  fail(lead: Lead): RuleFailure | null {
    for (const n of this.children) {
      const f = n.fail(lead);
      if (f) return f;
    }
    return null;
  }

  held(lead: Lead): Held {
    const { children } = this;
    if (children.length === 0) return { field: '', actual: undefined, message: 'all: [] always holds' };
    const parts = children.map((n) => n.held(lead));
    return { field: parts[0].field, actual: parts[0].actual, message: parts.map((p) => p.message).join(' and ') };
  }
}

class AnyNode implements Node {
  readonly test: Test;

  constructor(private readonly children: readonly Node[], private readonly at: string) {
    this.test = anyOf(children.map((n) => n.test));
  }

  emit(c: Constant): string {
    const { children } = this;
    return children.length ? `(${children.map((n) => n.emit(c)).join(' || ')})` : 'false';
  }

  fail(lead: Lead): RuleFailure | null {
    const { children, at } = this;
    if (this.test(lead)) return null;
    if (children.length === 0) {
      return { at, field: '', operator: 'any', message: 'no branch of any matched (the list is empty)' };
    }
    // A lead whose getters change between reads could make the branch hold now: still no throw.
    const first = children[0].fail(lead) ?? { field: '', actual: undefined, message: 'its first branch failed' };
    return { at, field: first.field, operator: 'any', actual: first.actual, message: `no branch of any matched: ${first.message}` };
  }

  held(lead: Lead): Held {
    for (const n of this.children) if (n.test(lead)) return n.held(lead);
    return { field: '', actual: undefined, message: 'a branch of any matched' };
  }
}

class NotNode implements Node {
  readonly test: Test;

  constructor(private readonly inner: Node, private readonly at: string) {
    this.test = notOf(inner.test);
  }

  emit(c: Constant): string {
    return `!${this.inner.emit(c)}`;
  }

  fail(lead: Lead): RuleFailure | null {
    const { inner } = this;
    if (!inner.test(lead)) return null;
    const h = inner.held(lead);
    return { at: this.at, field: h.field, operator: 'not', actual: h.actual, message: `excluded by not: ${h.message}` };
  }

  held(lead: Lead): Held {
    const f = this.inner.fail(lead);
    return f
      ? { field: f.field, actual: f.actual, message: f.message }
      : { field: '', actual: undefined, message: 'the negated rule failed' };
  }
}

function notOf(t: Test): Test {
  return (lead) => !t(lead);
}

// Unrolled for the common small sizes: a direct call per child instead of a loop.
function allOf(ts: Test[]): Test {
  const [a, b, c, d] = ts;
  switch (ts.length) {
    case 0: return () => true;
    case 1: return a;
    case 2: return (l) => a(l) && b(l);
    case 3: return (l) => a(l) && b(l) && c(l);
    case 4: return (l) => a(l) && b(l) && c(l) && d(l);
    default:
      return (l) => {
        for (let i = 0; i < ts.length; i++) if (!ts[i](l)) return false;
        return true;
      };
  }
}

function anyOf(ts: Test[]): Test {
  const [a, b, c, d] = ts;
  switch (ts.length) {
    case 0: return () => false;
    case 1: return a;
    case 2: return (l) => a(l) || b(l);
    case 3: return (l) => a(l) || b(l) || c(l);
    case 4: return (l) => a(l) || b(l) || c(l) || d(l);
    default:
      return (l) => {
        for (let i = 0; i < ts.length; i++) if (ts[i](l)) return true;
        return false;
      };
  }
}
