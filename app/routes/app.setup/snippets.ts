/**
 * The code a brand pastes into its own site and server, filled in with its Rekomi address and
 * cookie window. The longer explanation is docs/checkout-integration.md.
 */
export function snippetTag(appUrl: string, cookieDays: number): string {
  return `<script src="${appUrl}/rekomi.js" data-rekomi data-cookie-days="${cookieDays}" async></script>`;
}

export const PAYMENT_LINK_BY_HAND = `<!-- Without the snippet: append the click id Rekomi put in the landing URL (rk_ref) -->
<a href="https://buy.stripe.com/test_123?client_reference_id={rk_ref}">Subscribe</a>`;

export const CHECKOUT_SERVER = `// Node (Express) with the official Stripe SDK
const CLICK_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

app.post("/checkout", async (req, res) => {
  const ref = [req.body?.rekomi_ref, req.cookies?.rekomi_ref, req.query.rk_ref]
    .find((v) => typeof v === "string" && CLICK_ID.test(v));
  const session = await stripe.checkout.sessions.create({
    mode: "subscription",
    line_items: [{ price: "price_123", quantity: 1 }],
    allow_promotion_codes: true, // customers can type an affiliate's code
    success_url: "https://www.example.com/welcome",
    client_reference_id: ref, // the referral click
    subscription_data: ref ? { metadata: { rekomi_ref: ref } } : undefined,
  });
  res.redirect(303, session.url);
});`;

export const CUSTOMER_METADATA = `// Creating customers yourself (e.g. Stripe Elements): put the click on the customer
await stripe.customers.create({
  email,
  metadata: ref ? { rekomi_ref: ref } : {},
});`;
