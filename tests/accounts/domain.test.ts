import { describe, expect, it } from "vitest";
import {
  LOGIN_MAX_FAILURES,
  lockoutMessage,
  loginLockout,
  normalizeEmail,
  trialDaysLeft,
  trialEndsAt,
} from "../../app/domain/accounts";
import { signupSchema } from "../../app/domain/signup";

describe("account rules", () => {
  const now = new Date("2030-01-01T12:00:00Z");

  it("trial is 14 days and counts whole days left, rounded up", () => {
    const end = trialEndsAt(now);
    expect(end.toISOString()).toBe("2030-01-15T12:00:00.000Z");
    expect(trialDaysLeft(end, now)).toBe(14);
    expect(trialDaysLeft(end, new Date("2030-01-15T11:00:00Z"))).toBe(1);
    expect(trialDaysLeft(end, new Date("2030-01-15T12:00:00Z"))).toBe(0);
    expect(trialDaysLeft(end, new Date("2030-02-01T00:00:00Z"))).toBe(0);
  });

  it("normalises emails", () => {
    expect(normalizeEmail("  Alex@Example.COM ")).toBe("alex@example.com");
    const parsed = signupSchema.parse({
      brandName: " Acme ",
      name: " Alex ",
      email: " Alex@Example.com",
      password: "correct-horse-battery",
      confirmPassword: "correct-horse-battery",
    });
    expect(parsed).toMatchObject({ brandName: "Acme", name: "Alex", email: "alex@example.com" });
  });

  it("locks out at 10 failures inside the window, until the 10th newest leaves it", () => {
    const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
    const nine = Array.from({ length: 9 }, (_, i) => minutesAgo(i * 0.5));
    expect(loginLockout(nine, now)).toEqual({ locked: false });
    const ten = [...nine, minutesAgo(4.2)];
    expect(ten).toHaveLength(LOGIN_MAX_FAILURES);
    expect(loginLockout(ten, now)).toEqual({ locked: true, retryAfterMinutes: 6 });
    expect(
      loginLockout(
        Array.from({ length: 10 }, () => now),
        now,
      ),
    ).toEqual({ locked: true, retryAfterMinutes: 10 });
    expect(
      loginLockout(
        Array.from({ length: 10 }, () => minutesAgo(9.99)),
        now,
      ),
    ).toEqual({ locked: true, retryAfterMinutes: 1 });
    expect(lockoutMessage(1)).toBe("Too many failed attempts. Try again in 1 minute.");
    expect(lockoutMessage(7)).toBe("Too many failed attempts. Try again in 7 minutes.");
  });
});
