/** Standalone emulator: `npm run stripe:emulator` (port from STRIPE_EMULATOR_PORT, default 12111). */
import { startStripeEmulator } from "./index.js";

const port = Number(process.env.STRIPE_EMULATOR_PORT ?? "12111");
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`Invalid STRIPE_EMULATOR_PORT: ${process.env.STRIPE_EMULATOR_PORT ?? ""}`);
  process.exit(1);
}

const emulator = await startStripeEmulator({
  port,
  host: "127.0.0.1",
  log: process.env.STRIPE_EMULATOR_LOG === "1" ? (line) => console.log(line) : undefined,
});
console.log(`Stripe emulator listening on ${emulator.url}`);
console.log(
  `  SDK: new Stripe(key, { host: "127.0.0.1", port: ${emulator.port}, protocol: "http" })`,
);
console.log(
  `  Control API: ${emulator.url}/_emulator/{checkout,renewal,refund,state,deliveries,reset}`,
);

let stopping = false;
const stop = (signal: string) => {
  if (stopping) return;
  stopping = true;
  console.log(`Received ${signal}, stopping Stripe emulator...`);
  emulator
    .close()
    .then(() => process.exit(0))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
