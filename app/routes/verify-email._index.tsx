import { data, redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireUser } from "~/auth/guards.server";
import { resendVerification } from "~/services/accounts/email-verification.server";

/** POST from the "verify your email" banner: email a new link (the old one stops working). */
export async function loader() {
  return redirect("/");
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireCsrfForm(request);
  const user = await requireUser(request, context);
  const result = await resendVerification(context.db, context.config, user.id);
  return data({
    message:
      result === "sent"
        ? `We sent a new link to ${user.email}.`
        : "Your email address is already verified.",
  });
}
