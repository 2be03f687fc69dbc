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
import { checkPassword } from "~/services/accounts/login-throttle.server";

/**
 * Password login through remix-auth's Authenticator + remix-auth-form's FormStrategy.
 * The verify callback validates the form and checks the password through the one throttle
 * (services/accounts/login-throttle.server.ts: recorded before comparing, per account+IP and per IP; a
 * locked-out attempt is not even compared). Failures are thrown as LoginError so the route can
 * answer 400 / 429 (with Retry-After) and a message that never tells whether the account exists.
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
      const check = await checkPassword(ctx.db, { email, password, ip: ctx.clientIp });
      if (check.ok) return check.user;
      if (check.reason === "throttled")
        throw new LoginError(
          429,
          lockoutMessage(Math.ceil(check.retryAfterSeconds / 60)),
          {},
          email,
          check.retryAfterSeconds,
        );
      throw new LoginError(400, LOGIN_FAILED_MESSAGE, {}, email);
    }),
    PASSWORD_STRATEGY,
  );
  return authenticator;
}
