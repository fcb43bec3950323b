// Budgets count spend in the units of `price`: an assignment whose spend would count (its own
// budget, or its partner's) must say what a lead costs. Ping-post prices come from the bids.
import { problem } from '../problems.ts';
import type { Problem, SourceDoc } from '../types.ts';
import { docsOf, indexDocs, isObj, list, str } from './shared.ts';

/** BUDGET_WITHOUT_PRICE. */
export function checkBudgets(docs: readonly SourceDoc[]): Problem[] {
  const { partners } = indexDocs(docs);
  const problems: Problem[] = [];
  for (const doc of docsOf(docs, 'Profile')) {
    if (doc.value.strategy === 'ping-post') continue;
    list(doc.value.partners).forEach((a, i) => {
      if (!isObj(a) || typeof a.price === 'number') return;
      const id = str(a.partner);
      const partnerBudget = id !== undefined && isObj(partners.get(id)?.value.budget);
      if (!isObj(a.budget) && !partnerBudget) return;
      const whose = isObj(a.budget) ? 'this assignment has a budget' : `partner ${id} has a budget`;
      problems.push(problem('BUDGET_WITHOUT_PRICE', doc.pos(['partners', i, isObj(a.budget) ? 'budget' : 'partner']), `${whose} but no price: its spend cannot be counted`, 'set `price` on the assignment (what one lead costs, in the budget\'s units)'));
    });
  }
  return problems;
}
