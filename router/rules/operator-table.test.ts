import { describe, expect, it } from 'vitest';
import { OPERATORS } from '../config/types.ts';
import { NEGATES, OPERATOR_TABLE, specOf } from './operator-table.ts';

describe('operator records', () => {
  it('every operator has one: its own, or the positive operator it negates', () => {
    for (const op of OPERATORS) expect(specOf(op), op).toBeDefined();
    expect(Object.keys(OPERATOR_TABLE).length + Object.keys(NEGATES).length).toBe(OPERATORS.length);
  });

  it('say which field types each operator needs and how its value compares (the load-time checks read them)', () => {
    const where = (pred: (op: (typeof OPERATORS)[number]) => boolean) => OPERATORS.filter(pred);
    expect(where((op) => specOf(op).kind === 'number')).toEqual(['between', 'gt', 'gte', 'lt', 'lte']);
    expect(where((op) => ['string', 'string-or-array'].includes(specOf(op).kind))).toEqual(['contains', 'notContains', 'startsWith', 'endsWith', 'matches']);
    expect(where((op) => specOf(op).compares === 'value')).toEqual(['equals', 'notEquals']);
    expect(where((op) => specOf(op).compares === 'list')).toEqual(['in', 'notIn']);
    expect(where((op) => specOf(op).caseApplies)).toEqual(['equals', 'notEquals', 'contains', 'notContains', 'startsWith', 'endsWith', 'in', 'notIn', 'matches']);
  });
});
