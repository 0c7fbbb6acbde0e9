/**
 * Validates a card with the Adaptive Cards parser at schema 1.5 (the version Teams renders) plus
 * our own checks for what the parser lets through. The parser needs no DOM for parse/validate.
 */
import { createRequire } from 'node:module';
import { cardBytes, type AdaptiveCard } from '../../bot/cards/card-kit.js';
import { CARD_BUDGET_UTF16_BYTES } from '../../bot/cards/constants.js';

const require = createRequire(import.meta.url);
// The ESM entry fails in Node; the UMD bundle works.
const AC = require('adaptivecards/dist/adaptivecards.js');

export function validateCard(json: unknown): string[] {
  const problems: string[] = [];
  const card = new AC.AdaptiveCard();
  const ctx = new AC.SerializationContext(AC.Versions.v1_5);
  card.parse(json, ctx);
  for (let i = 0; i < ctx.eventCount; i++) problems.push(`parse: ${ctx.getEventAt(i).message}`);
  for (const e of card.validateProperties().validationEvents) problems.push(`validate: ${e.message}`);

  const c = json as Record<string, unknown>;
  if (c.type !== 'AdaptiveCard') problems.push('not an AdaptiveCard');
  if (c.version !== '1.5') problems.push(`version ${String(c.version)} is not 1.5`);
  const bytes = cardBytes(json as AdaptiveCard);
  if (bytes >= CARD_BUDGET_UTF16_BYTES)
    problems.push(`card is ${bytes} bytes as UTF-16 (budget ${CARD_BUDGET_UTF16_BYTES}, Teams' limit 40 KB)`);
  const ids = new Map<string, number>();
  const walk = (n: unknown, path: string) => {
    if (Array.isArray(n)) return n.forEach((x, i) => walk(x, `${path}[${i}]`));
    if (!n || typeof n !== 'object') return;
    const o = n as Record<string, unknown>;
    if (o.type === 'TextBlock' && (typeof o.text !== 'string' || o.text.trim() === ''))
      problems.push(`${path}: empty TextBlock`);
    if (o.type === 'TextBlock' && o.color !== undefined)
      problems.push(`${path}: coloured text (use a container style, which Teams themes)`);
    if (typeof o.type === 'string' && o.type.startsWith('Input.') && o.type !== 'Input.Toggle') {
      if (typeof o.label !== 'string' || o.label.trim() === '') problems.push(`${path}: input without a label`);
      if (typeof o.errorMessage !== 'string' || o.errorMessage.trim() === '')
        problems.push(`${path}: input without an error message`);
    }
    if (o.type === 'Action.OpenUrl' && (typeof o.url !== 'string' || !/^https?:\/\//.test(o.url)))
      problems.push(`${path}: OpenUrl without an http(s) url`);
    if (o.type === 'Action.Submit') problems.push(`${path}: Action.Submit (use Action.Execute)`);
    if (o.type === 'Action.Execute') {
      if (typeof o.verb !== 'string' || o.verb === '') problems.push(`${path}: Action.Execute without verb`);
      if (typeof o.title !== 'string' || o.title.trim() === '') problems.push(`${path}: Action.Execute without title`);
      const data = o.data as Record<string, unknown> | undefined;
      if (data && data.verb !== undefined && data.verb !== o.verb)
        problems.push(`${path}: data.verb differs from verb`);
    }
    if (typeof o.type === 'string' && o.type.startsWith('Input.')) {
      if (typeof o.id !== 'string' || o.id === '') problems.push(`${path}: input without id`);
      else ids.set(o.id, (ids.get(o.id) ?? 0) + 1);
    }
    if (o.type === 'Input.ChoiceSet') {
      const values = (o.choices as { value: string }[] | undefined)?.map((ch) => ch.value) ?? [];
      if (new Set(values).size !== values.length) problems.push(`${path}: duplicate choice values`);
    }
    for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
  };
  walk(c.body, 'body');
  walk(c.actions, 'actions');
  const refresh = c.refresh as { action?: { type?: string; verb?: string }; userIds?: unknown[] } | undefined;
  if (refresh) {
    if (refresh.action?.type !== 'Action.Execute' || !refresh.action.verb)
      problems.push('refresh without Action.Execute verb');
    if ((refresh.userIds?.length ?? 0) > 60) problems.push('refresh has more than 60 userIds');
  }
  for (const [id, n] of ids) if (n > 1) problems.push(`input id ${id} used ${n} times`);
  return problems;
}

export function assertValidCard(json: unknown, label = 'card'): void {
  const problems = validateCard(json);
  if (problems.length > 0) throw new Error(`${label} is not a valid 1.5 card:\n- ${problems.join('\n- ')}`);
}
