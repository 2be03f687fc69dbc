import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import {
  Link,
  Links,
  Meta,
  Outlet,
  Scripts,
  ScrollRestoration,
  isRouteErrorResponse,
  useRouteError,
} from "@remix-run/react";
import { useEffect } from "react";
import { NotFound } from "./components/NotFound";
import styles from "./styles/app.css";

export const links: LinksFunction = () => [
  { rel: "icon", href: "/favicon.svg", type: "image/svg+xml" },
  { rel: "stylesheet", href: styles },
];

export const meta: MetaFunction = () => [
  { title: "Rekomi — affiliate marketing for Stripe SaaS" },
  { name: "description", content: "Coupon-code and link attribution for SaaS brands on Stripe." },
];

export async function loader({ context }: LoaderFunctionArgs) {
  return { csrfToken: context.csrfToken };
}

export function Layout({ children }: { children: React.ReactNode }) {
  // Marks the document once React has hydrated (browser tests wait for it before typing). Here
  // rather than in App so that error pages (404s) are marked too.
  useEffect(() => {
    document.documentElement.dataset.hydrated = "true";
  }, []);
  return (
    <html lang="en">
      <head>
        <meta charSet="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <Meta />
        <Links />
      </head>
      <body>
        {children}
        <ScrollRestoration />
        <Scripts />
      </body>
    </html>
  );
}

export default function App() {
  return <Outlet />;
}

export function ErrorBoundary() {
  const error = useRouteError();
  const status = isRouteErrorResponse(error) ? error.status : 500;
  if (status === 404) {
    return (
      <main className="centered">
        <div className="card narrow">
          <NotFound homeTo="/" homeLabel="Back to Rekomi" />
        </div>
      </main>
    );
  }
  const title = status === 403 ? "Not allowed" : "Something went wrong";
  const detail = isRouteErrorResponse(error)
    ? typeof error.data === "string"
      ? error.data
      : error.statusText
    : "An unexpected error occurred. Please try again.";
  return (
    <main className="centered">
      <div className="card narrow">
        <h1>{title}</h1>
        <p className="muted">{detail}</p>
        <p>
          <Link to="/">Back to Rekomi</Link>
        </p>
      </div>
    </main>
  );
}
