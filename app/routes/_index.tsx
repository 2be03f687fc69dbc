import { Link } from "@remix-run/react";

export default function Index() {
  return (
    <main className="centered">
      <div className="card" style={{ maxWidth: 560 }}>
        <h1>Rekomi</h1>
        <p className="muted">
          Affiliate marketing for SaaS brands on Stripe: coupon codes your partners share on
          podcasts and newsletters, tracked links, and exact commissions, clawed back on refunds.
        </p>
        <div className="row">
          <Link className="button primary" to="/signup">
            Start a 14-day trial
          </Link>
          <Link className="button" to="/login">
            Log in
          </Link>
        </div>
      </div>
    </main>
  );
}
