import { redirect, type ActionFunctionArgs } from "@remix-run/node";
import { requireCsrfForm } from "~/auth/csrf.server";
import { endSession } from "~/auth/session.server";

/** Log out is a CSRF-checked POST; visiting /logout directly just goes home. */
export async function loader() {
  return redirect("/");
}

export async function action({ request, context }: ActionFunctionArgs) {
  await requireCsrfForm(request);
  return endSession(request, context, "/login");
}
