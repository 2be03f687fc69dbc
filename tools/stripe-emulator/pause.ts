/**
 * Outage simulation (issue 15): `POST /_emulator/pause {mode}` holds every Stripe API request
 * (`/v1/...`; the control API keeps answering) until `POST /_emulator/resume {drop?}`.
 *
 * - `mode: "before"`: requests wait before Stripe does anything (Stripe unreachable / hanging).
 * - `mode: "after"`: Stripe does the work (objects are created, Idempotency-Key results stored) and
 *   only the response is held: the case where the answer is lost while Stripe did act.
 *
 * On resume the held requests go on (`drop: false`, default: answers arrive late) or their
 * connections are reset (`drop: true`: what a client sees when Stripe's edge gives up), so the
 * client's own retry with the same Idempotency-Key gets the stored first result replayed, as a
 * real account does.
 */
export type PauseMode = "before" | "after";

export class PauseGate {
  mode: PauseMode | null = null;
  private release: Promise<"go" | "drop"> | null = null;
  private open: ((how: "go" | "drop") => void) | null = null;
  /** Requests currently held. */
  held = 0;

  pause(mode: PauseMode): void {
    if (!this.release) this.release = new Promise((resolve) => (this.open = resolve));
    this.mode = mode;
  }

  resume(opts: { drop?: boolean } = {}): number {
    const held = this.held;
    this.mode = null;
    this.open?.(opts.drop ? "drop" : "go");
    this.release = null;
    this.open = null;
    return held;
  }

  /** Wait at `point` while paused in that mode; resolves "drop" when the connection must be cut. */
  async at(point: PauseMode): Promise<"go" | "drop"> {
    if (this.mode !== point || !this.release) return "go";
    this.held++;
    try {
      return await this.release;
    } finally {
      this.held--;
    }
  }

  state(): { paused: boolean; mode: PauseMode | null; held: number } {
    return { paused: this.mode !== null, mode: this.mode, held: this.held };
  }
}
