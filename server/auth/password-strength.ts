import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";

/**
 * Whether a new password is too easy to guess: zxcvbn's estimate against its lists of common
 * passwords, names and words and its keyboard patterns (docs/access.md, "Credentials").
 * Score 3 of 4 ("safely unguessable" for an online attack) is the least we accept.
 */
export const MIN_PASSWORD_SCORE = 3;

let factory: ZxcvbnFactory | undefined;
// Built on first use: the dictionaries take a moment to load.
const estimator = () =>
  (factory ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
    maxLength: 256,
  }));

/** Null when strong enough, else why not (for the form's field error). */
export function passwordWeakness(password: string): string | null {
  const result = estimator().check(password);
  if (result.score >= MIN_PASSWORD_SCORE) return null;
  const why = result.feedback.warning ?? "It would be guessed quickly.";
  const hint = result.feedback.suggestions[0];
  return `is too easy to guess. ${why}${hint ? ` ${hint}` : ""}`.trim();
}
