/** Invitations (pure): the account form on an invitation page, and an affiliate's invitation state. */
import { z } from "zod";
import { newPasswordSchema } from "./passwords";

export const claimSchema = z.object({
  name: z
    .string({ message: "Enter your name." })
    .trim()
    .min(1, "Enter your name.")
    .max(100, "Use at most 100 characters."),
  password: newPasswordSchema,
});

export interface InvitationState {
  status: "pending" | "accepted";
  sent_at: string | null;
}

/** A brand-created affiliate is "pending" until someone claims it; self-joined ones are accepted. */
export function invitationState(affiliate: {
  user_id: string | null;
  invited_at: Date | null;
}): InvitationState {
  return {
    status: affiliate.user_id ? "accepted" : "pending",
    sent_at: affiliate.invited_at ? affiliate.invited_at.toISOString() : null,
  };
}
