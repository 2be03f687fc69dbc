/** Password length limits (no imports: safe for browser code too). Strength: ./passwords. */
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 200;
/** zxcvbn score 0..4; 3 = "safely unguessable: moderate protection from offline slow-hash attacks". */
export const PASSWORD_MIN_SCORE = 3;
