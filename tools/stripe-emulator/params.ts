import { invalidRequest, parameterMissing, parameterUnknown } from "./errors.js";
import type { FormObject, FormValue } from "./form.js";

export type Metadata = Record<string, string>;

function isObject(value: FormValue | undefined): value is FormObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Typed, Stripe-like access to decoded request parameters. Constructing it with a list of allowed
 * keys rejects any other key with `parameter_unknown` first, the way Stripe validates.
 */
export class Params {
  readonly data: FormObject;
  readonly prefix: string;

  constructor(data: FormObject, allowed: readonly string[] | null, prefix = "") {
    this.data = data;
    this.prefix = prefix;
    if (allowed) {
      const allow = new Set([...allowed, "expand"]);
      for (const key of Object.keys(data)) {
        if (!allow.has(key)) throw parameterUnknown(this.name(key));
      }
    }
  }

  name(key: string): string {
    return this.prefix ? `${this.prefix}[${key}]` : key;
  }

  has(key: string): boolean {
    return this.data[key] !== undefined;
  }

  private scalar(key: string, required: boolean): string | undefined {
    const value = this.data[key];
    if (value === undefined) {
      if (required) throw parameterMissing(this.name(key));
      return undefined;
    }
    if (typeof value !== "string") {
      throw invalidRequest(
        `Invalid ${this.name(key)}: must be a string, not a hash or array.`,
        this.name(key),
        "parameter_invalid_string",
      );
    }
    return value;
  }

  str(key: string, opts: { required?: boolean; maxLength?: number; allowEmpty?: boolean } = {}) {
    const value = this.scalar(key, opts.required ?? false);
    if (value === undefined) return undefined;
    if (value === "" && !opts.allowEmpty) {
      throw invalidRequest(
        `You passed an empty string for '${this.name(key)}'. We assume empty values are an attempt to unset a parameter; however '${this.name(key)}' cannot be unset. You should remove '${this.name(key)}' from your request or supply a non-empty value.`,
        this.name(key),
        "parameter_invalid_empty",
      );
    }
    if (opts.maxLength !== undefined && value.length > opts.maxLength) {
      throw invalidRequest(
        `Invalid ${this.name(key)}: must be at most ${opts.maxLength} characters`,
        this.name(key),
        "parameter_invalid_string",
      );
    }
    return value;
  }

  /** A string param where `""` means "unset" (returns null). */
  emptyableStr(key: string): string | null | undefined {
    const value = this.scalar(key, false);
    if (value === undefined) return undefined;
    return value === "" ? null : value;
  }

  int(key: string, opts: { required?: boolean; min?: number; max?: number } = {}) {
    const raw = this.scalar(key, opts.required ?? false);
    if (raw === undefined) return undefined;
    if (!/^-?\d+$/.test(raw)) {
      throw invalidRequest(`Invalid integer: ${raw}`, this.name(key), "parameter_invalid_integer");
    }
    const value = Number(raw);
    if (!Number.isSafeInteger(value)) {
      throw invalidRequest(`Invalid integer: ${raw}`, this.name(key), "parameter_invalid_integer");
    }
    if (opts.min !== undefined && value < opts.min) {
      throw invalidRequest(
        `This value must be greater than or equal to ${opts.min}.`,
        this.name(key),
        "parameter_invalid_integer",
      );
    }
    if (opts.max !== undefined && value > opts.max) {
      throw invalidRequest(
        `This value must be less than or equal to ${opts.max}.`,
        this.name(key),
        "parameter_invalid_integer",
      );
    }
    return value;
  }

  float(key: string, opts: { required?: boolean } = {}) {
    const raw = this.scalar(key, opts.required ?? false);
    if (raw === undefined) return undefined;
    if (!/^-?(\d+(\.\d*)?|\.\d+)$/.test(raw)) {
      throw invalidRequest(`Invalid decimal: ${raw}`, this.name(key), "parameter_invalid_decimal");
    }
    return Number(raw);
  }

  bool(key: string, opts: { required?: boolean } = {}) {
    const raw = this.scalar(key, opts.required ?? false);
    if (raw === undefined) return undefined;
    if (raw === "true") return true;
    if (raw === "false") return false;
    throw invalidRequest(`Invalid boolean: ${raw}`, this.name(key), "parameter_invalid_boolean");
  }

  enumOf<T extends string>(key: string, values: readonly T[], opts: { required?: boolean } = {}) {
    const raw = this.scalar(key, opts.required ?? false);
    if (raw === undefined) return undefined;
    const found = values.find((v) => v === raw);
    if (found === undefined) {
      const list =
        values.length > 1
          ? `${values.slice(0, -1).join(", ")}, or ${values[values.length - 1]}`
          : values.join("");
      throw invalidRequest(`Invalid ${this.name(key)}: must be one of ${list}`, this.name(key));
    }
    return found;
  }

  /** A nested hash param, validated against its own allowed keys. */
  obj(key: string, allowed: readonly string[] | null, opts: { required?: boolean } = {}) {
    const value = this.data[key];
    if (value === undefined) {
      if (opts.required) throw parameterMissing(this.name(key));
      return undefined;
    }
    if (!isObject(value)) {
      throw invalidRequest(
        `Invalid ${this.name(key)}: must be a hash`,
        this.name(key),
        "parameter_invalid_hash",
      );
    }
    return new Params(value, allowed, this.name(key));
  }

  strArray(key: string, opts: { required?: boolean } = {}): string[] | undefined {
    const value = this.data[key];
    if (value === undefined) {
      if (opts.required) throw parameterMissing(this.name(key));
      return undefined;
    }
    const arr = Array.isArray(value) ? value : isObject(value) ? Object.values(value) : [value];
    return arr.map((v, i) => {
      if (typeof v !== "string") {
        throw invalidRequest(`Invalid ${this.name(key)}[${i}]: must be a string`, this.name(key));
      }
      return v;
    });
  }

  /**
   * Metadata: `metadata=""` clears it (returns null), `metadata[k]=""` removes a key when merged.
   */
  metadata(key = "metadata"): Record<string, string> | null | undefined {
    const value = this.data[key];
    if (value === undefined) return undefined;
    if (value === "") return null;
    if (typeof value === "string") {
      throw invalidRequest(
        `Invalid ${this.name(key)}: must be a hash`,
        this.name(key),
        "parameter_invalid_hash",
      );
    }
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    if (entries.length > 50) {
      throw invalidRequest("Invalid metadata: at most 50 keys are allowed.", this.name(key));
    }
    const out: Record<string, string> = {};
    for (const [k, v] of entries) {
      if (typeof v !== "string") {
        throw invalidRequest(`Invalid ${this.name(key)}[${k}]: must be a string`, this.name(key));
      }
      if (k.length > 40) {
        throw invalidRequest(
          `Metadata keys can have up to 40 characters: ${k}`,
          `${this.name(key)}[${k}]`,
        );
      }
      if (v.length > 500) {
        throw invalidRequest(
          `Metadata values can have up to 500 characters, but you passed in a value that is ${v.length} characters`,
          `${this.name(key)}[${k}]`,
        );
      }
      out[k] = v;
    }
    return out;
  }

  expand(): string[] {
    return this.strArray("expand") ?? [];
  }
}

/** Applies a metadata param to existing metadata the way Stripe merges it. */
export function mergeMetadata(current: Metadata, update: Metadata | null | undefined): Metadata {
  if (update === undefined) return current;
  if (update === null) return {};
  const next: Metadata = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === "") delete next[k];
    else next[k] = v;
  }
  return next;
}

export function newMetadata(update: Metadata | null | undefined): Metadata {
  return mergeMetadata({}, update);
}
