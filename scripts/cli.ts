/**
 * Operator CLI: `npm run cli -- <command> [options]`.
 *
 * Prints human-readable lines, then exactly one JSON object on the last line of stdout.
 * Exit codes: 0 done, 1 failed (e.g. unknown brand, email taken), 2 bad or missing arguments.
 */
import { parseArgs, type ParseArgsConfig } from "node:util";
import { z } from "zod";
import { type Config, loadConfigOrExit } from "../app/config.server";
import { PLANS, normalizeEmail, planSchema } from "../app/domain/accounts";
import { passwordSchema } from "../app/domain/signup";
import { openRuntime, type Runtime } from "../app/runtime.server";
import {
  EmailTakenError,
  createBrandWithOwner,
  findBrand,
  setBrandPlan,
} from "../app/services/accounts/accounts.server";
import { apiKeyNameSchema, createApiKey } from "../app/services/accounts/api-keys.server";
import { reconcileBrandStripe } from "../app/services/stripe-account/stripe-reconcile.server";

const USAGE = `Usage: npm run cli -- <command> [options]

Commands:
  brand:create    --name NAME --email EMAIL --password PASSWORD [--plan ${PLANS.join("|")}]
                  Create a brand (14-day trial, default plan starter) and its owner login.
  brand:set-plan  --brand BRAND_ID --plan ${PLANS.join("|")}
                  Move a brand to another plan.
  apikey:create   --brand BRAND_ID [--name NAME]
                  Create a REST API key for a brand. The key is shown only here.
  stripe:reconcile --brand BRAND_ID
                  Reconcile the brand's Stripe account now: adopt or deactivate promotion codes
                  and coupons carrying Rekomi metadata without a live row, retry pending writes.

Each command prints one JSON object on the last line of stdout.
Exit codes: 0 ok, 1 failed, 2 bad arguments.`;

class UsageError extends Error {}
class CommandError extends Error {}

const brandId = z.uuid({ message: "--brand must be a brand id (a UUID)" });

interface Command {
  options: NonNullable<ParseArgsConfig["options"]>;
  schema: z.ZodType;
  run(
    runtime: Runtime & { config: Config },
    args: never,
    out: (line: string) => void,
  ): Promise<Record<string, unknown>>;
}

const commands: Record<string, Command> = {
  "brand:create": {
    options: {
      name: { type: "string" },
      email: { type: "string" },
      password: { type: "string" },
      plan: { type: "string" },
    },
    schema: z.object({
      name: z
        .string({ message: "--name is required" })
        .trim()
        .min(1, "--name must not be empty")
        .max(100),
      email: z
        .string({ message: "--email is required" })
        .transform(normalizeEmail)
        .pipe(z.email({ message: "--email must be a valid email address" })),
      password: z.string({ message: "--password is required" }).pipe(passwordSchema),
      plan: planSchema.default("starter"),
    }),
    async run(
      runtime,
      args: { name: string; email: string; password: string; plan: (typeof PLANS)[number] },
      out,
    ) {
      try {
        const created = await createBrandWithOwner(runtime.db, {
          brandName: args.name,
          ownerName: args.name,
          email: args.email,
          password: args.password,
          plan: args.plan,
          verified: true,
        });
        out(
          `Created brand "${args.name}" on the ${args.plan} plan (trial ends ${created.trialEndsAt.toISOString()}).`,
        );
        out(`Owner login: ${args.email}`);
        out(`Brand id: ${created.brandId}`);
        return { brand_id: created.brandId, user_id: created.userId };
      } catch (error) {
        if (error instanceof EmailTakenError)
          throw new CommandError(`A user with the email ${args.email} already exists.`);
        throw error;
      }
    },
  },
  "brand:set-plan": {
    options: { brand: { type: "string" }, plan: { type: "string" } },
    schema: z.object({
      brand: z.string({ message: "--brand is required" }).pipe(brandId),
      plan: z.string({ message: "--plan is required" }).pipe(planSchema),
    }),
    async run(runtime, args: { brand: string; plan: (typeof PLANS)[number] }, out) {
      const brand = await setBrandPlan(runtime.db, { brandId: args.brand, plan: args.plan });
      if (!brand) throw new CommandError(`No brand with id ${args.brand}.`);
      out(`Brand "${brand.name}" is now on the ${brand.plan} plan.`);
      return { brand_id: brand.id, plan: brand.plan };
    },
  },
  "apikey:create": {
    options: { brand: { type: "string" }, name: { type: "string" } },
    schema: z.object({
      brand: z.string({ message: "--brand is required" }).pipe(brandId),
      name: apiKeyNameSchema.default("CLI key"),
    }),
    async run(runtime, args: { brand: string; name: string }, out) {
      const brand = await findBrand(runtime.db, args.brand);
      if (!brand) throw new CommandError(`No brand with id ${args.brand}.`);
      const key = await createApiKey(runtime.db, { brandId: brand.id, name: args.name });
      out(`Created API key "${key.name}" (${key.prefix}…) for brand "${brand.name}".`);
      out("Store it now: it cannot be shown again.");
      return { api_key: key.apiKey, id: key.id };
    },
  },
  "stripe:reconcile": {
    options: { brand: { type: "string" } },
    schema: z.object({ brand: z.string({ message: "--brand is required" }).pipe(brandId) }),
    async run(runtime, args: { brand: string }, out) {
      const brand = await findBrand(runtime.db, args.brand);
      if (!brand) throw new CommandError(`No brand with id ${args.brand}.`);
      const r = await reconcileBrandStripe(runtime.db, { config: runtime.config }, brand.id);
      out(
        `Brand "${brand.name}": ${r.deactivated} deactivated, ${r.adopted} adopted, ${r.pending} still pending in Stripe.`,
      );
      return { deactivated: r.deactivated, adopted: r.adopted };
    },
  },
};

function parseCommand(argv: string[]): { name: string; command: Command; args: unknown } {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") throw new UsageError("");
  const command = commands[name];
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  let values: Record<string, unknown>;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: command.options,
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const parsed = command.schema.safeParse(values);
  if (!parsed.success) throw new UsageError(parsed.error.issues.map((i) => i.message).join("\n"));
  return { name, command, args: parsed.data };
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      if (error.message) console.error(`Error: ${error.message}\n`);
      console.error(USAGE);
      // Asking for help is not an error; anything else that ends here is.
      return argv.length > 0 && ["help", "--help", "-h"].includes(argv[0]) ? 0 : 2;
    }
    throw error;
  }

  const config = loadConfigOrExit();
  const runtime = await openRuntime(config, { poolSize: 2, log: (line) => console.error(line) });
  try {
    const result = await parsed.command.run({ ...runtime, config }, parsed.args as never, (line) =>
      console.log(line),
    );
    console.log(JSON.stringify(result));
    return 0;
  } catch (error) {
    if (error instanceof CommandError) {
      console.error(`Error: ${error.message}`);
      return 1;
    }
    console.error(`Error: ${parsed.name} failed:`, error);
    return 1;
  } finally {
    await runtime.close();
  }
}

// Exit explicitly with main's code: the worker pool and Postgres clients would otherwise keep the loop alive.
process.exit(await main(process.argv.slice(2)));
