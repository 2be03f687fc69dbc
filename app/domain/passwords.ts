/**
 * Password rules (pure; no I/O): at least PASSWORD_MIN characters and not easy to guess, judged by
 * zxcvbn-ts with its common-password and English word lists (docs/decisions/0006-accounts-email.md).
 * The message says why a password was refused.
 */
import { ZxcvbnFactory } from "@zxcvbn-ts/core";
import * as common from "@zxcvbn-ts/language-common";
import * as en from "@zxcvbn-ts/language-en";
import { z } from "zod";
import { PASSWORD_MAX, PASSWORD_MIN, PASSWORD_MIN_SCORE } from "./password-rules";

export { PASSWORD_MAX, PASSWORD_MIN, PASSWORD_MIN_SCORE };

let zxcvbn: ZxcvbnFactory | undefined;
function checker(): ZxcvbnFactory {
  zxcvbn ??= new ZxcvbnFactory({
    dictionary: { ...common.dictionary, ...en.dictionary },
    graphs: common.adjacencyGraphs,
    translations: en.translations,
  });
  return zxcvbn;
}

/** Why this password is refused, or null when it is acceptable. `userInputs`: name, email… */
export function passwordProblem(password: string, userInputs: string[] = []): string | null {
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  const result = checker().check(password, userInputs.filter(Boolean));
  if (result.score >= PASSWORD_MIN_SCORE) return null;
  const why = result.feedback.warning ?? "This password is too easy to guess.";
  const tip = result.feedback.suggestions[0] ?? "Add more words that are less common.";
  return `${why.replace(/\.?$/, ".")} ${tip}`;
}

/** A new password: length and strength, with the reason in the message. */
export const newPasswordSchema = z
  .string({ message: "Choose a password." })
  .superRefine((value, ctx) => {
    const problem = passwordProblem(value);
    if (problem) ctx.addIssue({ code: "custom", message: problem });
  });
