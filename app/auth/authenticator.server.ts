import { Authenticator } from "remix-auth";
import { FormStrategy } from "remix-auth-form";
import type { AppContext } from "~/context.server";
import type { User } from "~/db/schema";
import {
  LOGIN_FAILED_MESSAGE,
  fieldErrorsOf,
  lockoutMessage,
  loginSchema,
  type FieldErrors,
} from "~/domain/accounts";
import {
  checkLoginThrottle,
  recordLoginAttempt,
  verifyCredentials,
} from "~/services/accounts.server";

/**
 * Password login through remix-auth's Authenticator + remix-auth-form's FormStrategy.
 * The verify callback validates the form, applies the per email+IP throttle (a locked-out attempt
 * is not even checked), verifies the password and records the attempt. Failures are thrown as
 * LoginError so the route can answer 400 / 429 with a message.
 */
export const PASSWORD_STRATEGY = "password";

export class LoginError extends Error {
  constructor(
    public readonly status: 400 | 429,
    message: string,
    public readonly fieldErrors: FieldErrors<"email" | "password"> = {},
    public readonly email = "",
    /** For 429: seconds until the lock lifts (sent as Retry-After). */
    public readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "LoginError";
  }
}

type Ctx = Pick<AppContext, "db" | "clientIp">;

/** One Authenticator per request: its strategy needs this request's database and client IP. */
export function createAuthenticator(ctx: Ctx): Authenticator<User> {
  const authenticator = new Authenticator<User>();
  authenticator.use(
    new FormStrategy<User>(async ({ form }) => {
      const parsed = loginSchema.safeParse({
        email: form.get("email") ?? "",
        password: form.get("password") ?? "",
      });
      if (!parsed.success) {
        const raw = form.get("email");
        throw new LoginError(
          400,
          "Check the highlighted fields.",
          fieldErrorsOf(parsed.error),
          typeof raw === "string" ? raw : "",
        );
      }
      const { email, password } = parsed.data;
      const throttle = await checkLoginThrottle(ctx.db, { email, ip: ctx.clientIp });
      if (throttle.locked)
        throw new LoginError(
          429,
          lockoutMessage(throttle.retryAfterMinutes),
          {},
          email,
          throttle.retryAfterMinutes * 60,
        );
      const user = await verifyCredentials(ctx.db, { email, password });
      await recordLoginAttempt(ctx.db, { email, ip: ctx.clientIp, succeeded: user !== null });
      if (!user) throw new LoginError(400, LOGIN_FAILED_MESSAGE, {}, email);
      return user;
    }),
    PASSWORD_STRATEGY,
  );
  return authenticator;
}
