import { z } from "zod";

/**
 * Page templates `POST /rooms/:roomId/pages` accepts as `template`. A template fixes what it
 * must (the deal strategy is the seller's own: always internal) and fills the title and content
 * unless the caller gives them.
 */
export const PAGE_TEMPLATES = ["deal-strategy"] as const;
export type PageTemplate = (typeof PAGE_TEMPLATES)[number];
export const PageTemplateInput = z.enum(PAGE_TEMPLATES, { error: 'must be "deal-strategy"' });

export const DEAL_STRATEGY_TITLE = "Deal strategy";

export const DEAL_STRATEGY_MARKDOWN = `# Deal strategy

## Factors in our favour

What makes us the natural choice for this buyer: strengths they value, relationships, proof we have already shown.

## Factors against

What could lose us the deal: gaps, competitors' strengths, sceptics, timing, budget.

## Strategy

How we win: the moves we make, who on our team makes them, and by when.
`;

const TEMPLATES: Record<PageTemplate, { title: string; visibility: "internal"; markdown: string }> = {
  "deal-strategy": { title: DEAL_STRATEGY_TITLE, visibility: "internal", markdown: DEAL_STRATEGY_MARKDOWN },
};

/**
 * The page input with the template applied: its visibility forced, its title and markdown
 * filled unless given. Input without a (known) template is returned unchanged, for the schema
 * to judge.
 */
export function applyPageTemplate(raw: unknown): unknown {
  if (!raw || typeof raw !== "object") return raw;
  const input = raw as Record<string, unknown>;
  const template = TEMPLATES[input.template as PageTemplate];
  if (!template || !Object.hasOwn(TEMPLATES, input.template as string)) return raw;
  return {
    ...input,
    title: typeof input.title === "string" && input.title.trim() ? input.title : template.title,
    visibility: template.visibility,
    markdown: typeof input.markdown === "string" ? input.markdown : template.markdown,
  };
}
