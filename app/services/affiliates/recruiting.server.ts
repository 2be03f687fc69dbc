/**
 * Recruiting links (`/join/{slug}?via={recruit_code}`): look up the recruiter within one brand.
 * The rule for recording the parent is `parentOnJoin` in app/domain/recruiting.ts.
 */
import type { DB } from "~/db/db.server";
import { parseRecruitCode, type Recruiter } from "~/domain/recruiting";

export type RecruiterRow = Recruiter & {
  name: string;
  recruitCode: string;
  email: string;
  signupIp: string | null;
};

/** The brand's affiliate with this recruit code, or undefined (unknown, malformed, other brand). */
export async function findRecruiter(
  db: DB,
  brandId: string,
  code: unknown,
): Promise<RecruiterRow | undefined> {
  const recruitCode = parseRecruitCode(code);
  if (!recruitCode) return undefined;
  return db
    .selectFrom("affiliates")
    .select([
      "id",
      "brand_id as brandId",
      "status",
      "name",
      "recruit_code as recruitCode",
      "email",
      "signup_ip as signupIp",
    ])
    .where("brand_id", "=", brandId)
    .where("recruit_code", "=", recruitCode)
    .executeTakeFirst();
}
