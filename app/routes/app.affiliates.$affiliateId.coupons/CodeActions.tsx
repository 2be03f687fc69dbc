/** Deactivate and Delete for one affiliate code (an inactive code can only be deleted). */
import { Form } from "@remix-run/react";
import { CsrfInput } from "~/components/CsrfInput";

export function CodeActions({
  code: c,
  busy,
}: {
  code: { id: string; active: boolean };
  busy: (intent: string, id: string) => boolean;
}) {
  return (
    <Form method="post" className="row">
      <CsrfInput />
      <input type="hidden" name="code_id" value={c.id} />
      {c.active ? (
        <button type="submit" name="intent" value="deactivate" disabled={busy("deactivate", c.id)}>
          Deactivate
        </button>
      ) : null}
      <button
        type="submit"
        name="intent"
        value="delete"
        className="danger"
        disabled={busy("delete", c.id)}
      >
        Delete
      </button>
    </Form>
  );
}
