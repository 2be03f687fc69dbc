import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { requireBrandOwner, requireBrandUser } from "~/auth/guards.server";
import { ConfirmAction } from "~/components/ConfirmAction";
import { CsrfInput } from "~/components/CsrfInput";
import { HiddenFields } from "~/components/HiddenFields";
import { EmptyState } from "~/components/EmptyState";
import { SettingsCard } from "~/components/SettingsCard";
import { Field, FormError } from "~/components/Field";
import { SelectField } from "~/components/SelectField";
import { formFields, type FieldErrors } from "~/domain/forms";
import {
  inviteTeamMember,
  listTeam,
  removeTeamMember,
  revokeTeamInvite,
} from "~/services/accounts/team.server";

export const meta: MetaFunction = () => [{ title: "Team · Settings · Rekomi" }];

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand, user, role } = await requireBrandUser(request, context);
  const team = await listTeam(context.db, brand.id);
  return {
    isOwner: role === "owner",
    me: user.id,
    members: team.members.map((m) => ({ ...m, joinedAt: m.joinedAt.toISOString() })),
    invites: team.invites.map((i) => ({
      ...i,
      createdAt: i.createdAt.toISOString(),
      expiresAt: i.expiresAt.toISOString(),
    })),
  };
}

interface TeamActionData {
  message?: string;
  error?: string;
  fieldErrors?: FieldErrors;
  values?: { email: string; role: string };
}

/** Owners only: invite, remove a member, revoke an invitation. */
export async function action({ request, context }: ActionFunctionArgs) {
  const form = formFields(await requireCsrfForm(request));
  const { brand, user } = await requireBrandOwner(request, context);
  if (form.intent === "invite") {
    const result = await inviteTeamMember(context.db, context.config, {
      brandId: brand.id,
      inviter: user,
      values: form,
    });
    if (!result.ok)
      return data<TeamActionData>(
        {
          fieldErrors: result.fieldErrors,
          values: { email: form.email ?? "", role: form.role ?? "member" },
        },
        { status: 400 },
      );
    return data<TeamActionData>({ message: result.message });
  }
  if (form.intent === "remove") {
    const result = await removeTeamMember(context.db, {
      brandId: brand.id,
      userId: form.userId ?? "",
    });
    if (!result.ok) return data<TeamActionData>({ error: result.message }, { status: 400 });
    return data<TeamActionData>({ message: "Removed from the team." });
  }
  if (form.intent === "revoke") {
    const revoked = await revokeTeamInvite(context.db, { brandId: brand.id, id: form.id ?? "" });
    if (!revoked)
      return data<TeamActionData>({ error: "That invitation is not pending." }, { status: 400 });
    return data<TeamActionData>({ message: "Invitation revoked." });
  }
  return data<TeamActionData>({ error: "Unknown action." }, { status: 400 });
}

const dateFormat = new Intl.DateTimeFormat("en", { dateStyle: "medium", timeZone: "UTC" });

export default function TeamSettings() {
  const { isOwner, me, members, invites } = useLoaderData<typeof loader>();
  const actionData = useActionData<TeamActionData>();
  const submitting = useNavigation().state === "submitting";
  const errors = actionData?.fieldErrors ?? {};
  return (
    <div className="stack">
      {actionData?.message ? (
        <div className="alert success" role="status">
          {actionData.message}
        </div>
      ) : null}
      <FormError>{actionData?.error}</FormError>
      <SettingsCard title="Team members">
        <p className="muted small">
          Members can do everything except billing and plan, the Stripe connection, API keys and
          team changes.
        </p>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Since</th>
                {isOwner ? (
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.userId}>
                  <td>
                    {m.name}
                    {m.userId === me ? <span className="muted"> (you)</span> : null}
                  </td>
                  <td>{m.email}</td>
                  <td>{m.role === "owner" ? "Owner" : "Member"}</td>
                  <td>{dateFormat.format(new Date(m.joinedAt))}</td>
                  {isOwner ? (
                    <td>
                      <ConfirmAction
                        fields={{ intent: "remove", userId: m.userId }}
                        label="Remove"
                        ariaLabel={`Remove ${m.name}`}
                        title={`Remove ${m.name} from the team?`}
                        confirmLabel={`Remove ${m.name}`}
                        className="link"
                        formClassName="inline-form"
                      >
                        <p>
                          They lose access to this brand at once (their Rekomi account stays).
                          Invite them again to give access back.
                        </p>
                      </ConfirmAction>
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </SettingsCard>
      <SettingsCard title="Pending invitations">
        {invites.length === 0 ? (
          <EmptyState title="No pending invitations" headingLevel={3}>
            {isOwner
              ? "Invite a teammate below: they get an email with a link to join."
              : "Ask an owner to invite teammates."}
          </EmptyState>
        ) : (
          <ul>
            {invites.map((i) => (
              <li key={i.id}>
                {i.email} as {i.role}, sent {dateFormat.format(new Date(i.createdAt))}
                {isOwner ? (
                  <InlineAction
                    fields={{ intent: "revoke", id: i.id }}
                    label="Revoke"
                    ariaLabel={`Revoke the invitation for ${i.email}`}
                  />
                ) : null}
              </li>
            ))}
          </ul>
        )}
        {isOwner ? (
          <Form method="post" noValidate style={{ maxWidth: 480, marginTop: "1rem" }}>
            <h3>Invite a teammate</h3>
            <CsrfInput />
            <input type="hidden" name="intent" value="invite" />
            <Field
              label="Email"
              name="email"
              type="email"
              autoComplete="off"
              required
              defaultValue={actionData?.values?.email}
              error={errors.email}
            />
            <SelectField
              label="Role"
              name="role"
              defaultValue={actionData?.values?.role ?? "member"}
              options={[
                { value: "member", label: "Member" },
                { value: "owner", label: "Owner" },
              ]}
              error={errors.role}
            />
            <button type="submit" className="primary" disabled={submitting}>
              Send invitation
            </button>
          </Form>
        ) : null}
      </SettingsCard>
    </div>
  );
}

/** A one-button POST (remove a member, revoke an invitation). */
function InlineAction({
  fields,
  label,
  ariaLabel,
}: {
  fields: Record<string, string>;
  label: string;
  ariaLabel: string;
}) {
  return (
    <Form method="post" style={{ display: "inline", marginLeft: "0.5rem" }}>
      <CsrfInput />
      <HiddenFields fields={fields} />
      <button type="submit" className="link" aria-label={ariaLabel}>
        {label}
      </button>
    </Form>
  );
}
