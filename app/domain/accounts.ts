import { z } from "zod";
import type { Plan } from "~/db/schema";

/** Account rules (pure; no I/O): trial length, plans, login rate limit, form schemas. */

export const TRIAL_DAYS = 14;
export const PLANS = ["starter", "growth", "scale"] as const satisfies readonly Plan[];
export const PLAN_LABELS: Record<Plan, string> = {
  starter: "Starter",
  growth: "Growth",
  scale: "Scale",
};

/** Password checks per account (email) from one IP inside the window, before a 429. */
export const LOGIN_MAX_FAILURES = 10;
/** Password checks from one IP across all accounts inside the window, before a 429. */
export const LOGIN_IP_MAX_FAILURES = 100;
export const LOGIN_WINDOW_MINUTES = 10;
export const LOGIN_FAILED_MESSAGE = "Email or password is incorrect.";

const DAY_MS = 86_400_000;

export function trialEndsAt(now: Date): Date {
  return new Date(now.getTime() + TRIAL_DAYS * DAY_MS);
}

/** Whole days left in the trial, rounded up; 0 once it has ended. */
export function trialDaysLeft(trialEnd: Date, now: Date): number {
  const ms = trialEnd.getTime() - now.getTime();
  return ms <= 0 ? 0 : Math.ceil(ms / DAY_MS);
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/**
 * Login throttling: with `failures` = the failed attempts for one key inside the window, newest
 * first, the caller is locked out while there are at least `max` of them. The lock lifts when the
 * `max`-th newest failure leaves the window.
 */
export function loginLockout(
  failuresNewestFirst: Date[],
  now: Date,
  max = LOGIN_MAX_FAILURES,
): { locked: false } | { locked: true; retryAfterMinutes: number } {
  if (failuresNewestFirst.length < max) return { locked: false };
  const pivot = failuresNewestFirst[max - 1];
  const unlockAt = pivot.getTime() + LOGIN_WINDOW_MINUTES * 60_000;
  const minutes = Math.max(1, Math.ceil((unlockAt - now.getTime()) / 60_000));
  return { locked: true, retryAfterMinutes: minutes };
}

export function lockoutMessage(retryAfterMinutes: number): string {
  return `Too many failed attempts. Try again in ${retryAfterMinutes} minute${retryAfterMinutes === 1 ? "" : "s"}.`;
}

const email = z
  .string({ message: "Enter your email address." })
  .transform(normalizeEmail)
  .pipe(
    z
      .string()
      .min(1, "Enter your email address.")
      .max(254, "That email address is too long.")
      .pipe(z.email("Enter a valid email address, like name@example.com.")),
  );

export const brandNameSchema = z
  .string({ message: "Enter your brand's name." })
  .trim()
  .min(1, "Enter your brand's name.")
  .max(100, "Keep the brand name under 100 characters.");

export const emailSchema = email;

export const loginSchema = z.object({
  email,
  password: z.string({ message: "Enter your password." }).min(1, "Enter your password.").max(200),
});

export const brandSettingsSchema = z.object({ name: brandNameSchema });

export const planSchema = z.enum(PLANS, {
  message: "Plan must be one of: starter, growth, scale.",
});

export { fieldErrorsOf, type FieldErrors } from "./forms";
