import {
  data,
  type ActionFunctionArgs,
  type LoaderFunctionArgs,
  type MetaFunction,
} from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { useRef } from "react";
import { requireCsrfForm } from "~/auth/csrf.server";
import { notFound, requireBrandOwner } from "~/auth/guards.server";
import { ConfirmAction } from "~/components/ConfirmAction";
import { CopyField } from "~/components/CopyField";
import { CsrfInput } from "~/components/CsrfInput";
import { Field, useFocusFirstInvalid } from "~/components/Field";
import {
  createApiKeyFromForm,
  listApiKeys,
  revokeApiKey,
} from "~/services/accounts/api-keys.server";
import { keepActionHeaders } from "~/http/action-headers";

/** Action headers (Retry-After, Cache-Control) reach the browser on document requests too. */
export const headers = keepActionHeaders;

export const meta: MetaFunction = () => [{ title: "API keys · Rekomi" }];

interface ApiKeyRow {
  id: string;
  name: string;
  prefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export async function loader({ request, context }: LoaderFunctionArgs) {
  const { brand } = await requireBrandOwner(request, context);
  const keys = await listApiKeys(context.db, brand.id);
  const rows: ApiKeyRow[] = keys.map((k) => ({
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  }));
  return { keys: rows };
}

type ApiKeysActionData =
  | {
      intent: "create";
      ok: true;
      created: { id: string; name: string; apiKey: string; prefix: string };
    }
  | { intent: "create"; ok: false; fieldErrors: { name?: string }; name: string }
  | { intent: "revoke"; ok: true; revokedName: string };

export async function action({ request, context }: ActionFunctionArgs) {
  const form = await requireCsrfForm(request);
  const intent = form.get("intent");
  // Members cannot touch this; an unverified owner cannot create keys yet.
  const { brand } = await requireBrandOwner(request, context, { verified: intent === "create" });
  if (intent === "create") {
    const name = String(form.get("name") ?? "");
    const result = await createApiKeyFromForm(context.db, { brandId: brand.id, values: { name } });
    if (!result.ok) {
      const body: ApiKeysActionData = {
        intent: "create",
        ok: false,
        fieldErrors: result.fieldErrors,
        name,
      };
      return data(body, { status: 400 });
    }
    const { id, apiKey, prefix } = result.key;
    const body: ApiKeysActionData = {
      intent: "create",
      ok: true,
      created: { id, name: result.key.name, apiKey, prefix },
    };
    // The secret must never be cached anywhere.
    return data(body, { headers: { "Cache-Control": "no-store" } });
  }
  if (intent === "revoke") {
    const id = String(form.get("id") ?? "");
    const revoked = await revokeApiKey(context.db, { brandId: brand.id, id });
    if (!revoked) throw notFound("API key not found");
    const body: ApiKeysActionData = { intent: "revoke", ok: true, revokedName: revoked.name };
    return body;
  }
  throw new Response("Unknown action", { status: 400 });
}

const dateTime = new Intl.DateTimeFormat("en", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});
function When({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">Never</span>;
  return <time dateTime={iso}>{dateTime.format(new Date(iso))} UTC</time>;
}

export default function ApiKeys() {
  const { keys } = useLoaderData<{ keys: ApiKeyRow[] }>();
  const actionData = useActionData<ApiKeysActionData>();
  const navigation = useNavigation();
  const formRef = useRef<HTMLFormElement>(null);
  const createError = actionData?.intent === "create" && !actionData.ok ? actionData : null;
  useFocusFirstInvalid(formRef, createError);
  const created = actionData?.intent === "create" && actionData.ok ? actionData.created : null;
  const busy = navigation.state === "submitting";
  return (
    <div className="stack">
      <p className="muted">
        API keys let your servers use the Rekomi REST API (<span className="mono">/api/v1</span>)
        with <span className="mono">Authorization: Bearer rk_live_…</span>. Keep them secret.
      </p>

      {created ? (
        <div className="alert success" role="status">
          <p style={{ marginTop: 0 }}>
            <strong>Key “{created.name}” created.</strong> Copy it now — for your security it will
            not be shown again.
          </p>
          <CopyField label="New API key" value={created.apiKey} hideLabel />
        </div>
      ) : null}
      {actionData?.intent === "revoke" ? (
        <div className="alert info" role="status">
          Key “{actionData.revokedName}” revoked. Requests using it are now refused.
        </div>
      ) : null}

      <section className="card" aria-labelledby="new-key-heading">
        <h2 id="new-key-heading" style={{ marginTop: 0 }}>
          Create a key
        </h2>
        <Form
          method="post"
          ref={formRef}
          noValidate
          className="row"
          style={{ alignItems: "flex-end" }}
        >
          <CsrfInput />
          <input type="hidden" name="intent" value="create" />
          <div style={{ flex: "1 1 260px" }}>
            <Field
              label="Name"
              name="name"
              required
              maxLength={80}
              placeholder="Production server"
              defaultValue={createError?.name}
              key={created?.id ?? "new"}
              error={createError?.fieldErrors.name}
            />
          </div>
          <button
            type="submit"
            className="primary"
            disabled={busy}
            style={{ marginBottom: "1rem" }}
          >
            Create key
          </button>
        </Form>
      </section>

      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Your keys</h2>
        {keys.length === 0 ? (
          <div className="empty">
            <h3>No API keys yet</h3>
            <p className="muted">
              Create a key above to connect your backend or automation to Rekomi.
            </p>
          </div>
        ) : (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Key</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.map((key) => (
                  <tr key={key.id}>
                    <td>{key.name}</td>
                    <td className="mono">{key.prefix}…</td>
                    <td>
                      <When iso={key.createdAt} />
                    </td>
                    <td>
                      <When iso={key.lastUsedAt} />
                    </td>
                    <td>
                      {key.revokedAt ? (
                        <span className="badge rejected">
                          Revoked <When iso={key.revokedAt} />
                        </span>
                      ) : (
                        <span className="badge approved">Active</span>
                      )}
                    </td>
                    <td>
                      {key.revokedAt ? null : (
                        <ConfirmAction
                          fields={{ intent: "revoke", id: key.id }}
                          label="Revoke"
                          ariaLabel={`Revoke ${key.name}`}
                          title={`Revoke “${key.name}”?`}
                          confirmLabel="Revoke key"
                        >
                          <p>
                            Requests using this key fail at once with 401. Anything still using it
                            (a script, an integration) stops working. This cannot be undone.
                          </p>
                        </ConfirmAction>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </div>
  );
}
