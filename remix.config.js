/**
 * Remix v2, classic compiler. Every v3 future flag the classic compiler supports is on.
 * `v3_routeConfig` is the one exception: it only exists for the Vite plugin (the classic
 * compiler asserts Vite is present when it is set), so it cannot be enabled here.
 *
 * @type {import('@remix-run/dev').AppConfig}
 */
export default {
  ignoredRouteFiles: ["**/.*", "**/*.test.{ts,tsx}"],
  serverModuleFormat: "esm",
  serverDependenciesToBundle: [/^remix-auth/],
  future: {
    v3_fetcherPersist: true,
    v3_relativeSplatPath: true,
    v3_throwAbortReason: true,
    v3_singleFetch: true,
    v3_lazyRouteDiscovery: true,
  },
};
