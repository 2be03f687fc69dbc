import { CopyButton } from "./CopyButton";

/** A titled block of code to paste elsewhere (a snippet, an example), with a Copy button. */
export function CodeBlock({ title, code }: { title: string; code: string }) {
  return (
    <figure className="code-block">
      <figcaption>
        <span className="small">{title}</span>
        <CopyButton value={code} label={`Copy ${title}`} />
      </figcaption>
      <pre className="mono small">
        <code>{code}</code>
      </pre>
    </figure>
  );
}
