/**
 * The brand signup form (pure). Kept apart from ./accounts because its password rule pulls in the
 * zxcvbn word lists, which browser code importing ./accounts must not bundle.
 */
import { z } from "zod";
import { brandNameSchema, emailSchema } from "./accounts";
import { newPasswordSchema } from "./passwords";

/** Every new password (brand users and affiliates): length and strength, see ./passwords. */
export const passwordSchema = newPasswordSchema;

export const signupSchema = z
  .object({
    brandName: brandNameSchema,
    name: z
      .string({ message: "Enter your name." })
      .trim()
      .min(1, "Enter your name.")
      .max(100, "Keep your name under 100 characters."),
    email: emailSchema,
    password: passwordSchema,
    confirmPassword: z.string({ message: "Repeat your password." }).min(1, "Repeat your password."),
  })
  .superRefine((v, ctx) => {
    if (v.confirmPassword && v.password !== v.confirmPassword) {
      ctx.addIssue({
        code: "custom",
        path: ["confirmPassword"],
        message: "The passwords do not match.",
      });
    }
  });
export type SignupInput = z.input<typeof signupSchema>;
