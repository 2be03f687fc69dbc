/**
 * The outcome of a form action as banners: a success message (announced politely) and an error
 * (announced at once). Either may be absent.
 */
export function ActionAlerts({
  message,
  error,
}: {
  message?: string | null;
  error?: string | null;
}) {
  return (
    <>
      {message ? (
        <div className="alert success" role="status">
          {message}
        </div>
      ) : null}
      {error ? (
        <div className="alert error" role="alert">
          {error}
        </div>
      ) : null}
    </>
  );
}
