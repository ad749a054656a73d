// Active reading time, counted in the browser (docs/decisions/025-engagement.md). A reader is
// active while the tab is visible (Page Visibility API), the window has focus, and there was
// input, scrolling or live editing in the last IDLE_BOUND_MS. Anything else counts zero: a
// hidden tab, a window in the background, an idle screen. The tracker reports whole seconds
// every BEAT_INTERVAL_MS while active, and at once when the reader stops being active (hide,
// blur) or leaves the item; the server bounds each report again (server/engagement/beats.ts).
//
// Pure logic over an injected clock and sender, so tests/unit/engagement-tracker.test.ts drives
// it with fake timers; useEngagement (app/components/engagement.tsx) wires it to the document.

/** Seconds of no input, scrolling or live editing after which a reader counts as idle. */
export const IDLE_BOUND_MS = 30_000;
/** How often an active reader reports. The server caps one report at 30 s (twice this). */
export const BEAT_INTERVAL_MS = 15_000;

export interface Beat {
  seconds: number;
  /** True when sent because the page is going away or hidden: the sender should use sendBeacon. */
  leaving: boolean;
}

export interface TrackerEnv {
  now(): number;
  visible(): boolean;
  focused(): boolean;
  send(beat: Beat): void;
  setInterval(fn: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

export class ActivityTracker {
  private visible: boolean;
  private focused: boolean;
  private lastInputAt: number;
  private accruedFrom: number;
  private pendingMs = 0;
  private wasActive = false;
  private timer: unknown = null;
  private stopped = false;

  constructor(private readonly env: TrackerEnv) {
    const now = env.now();
    this.visible = env.visible();
    this.focused = env.focused();
    // Opening an item is itself input: the reader chose it.
    this.lastInputAt = now;
    this.accruedFrom = now;
    this.timer = env.setInterval(() => this.tick(), BEAT_INTERVAL_MS);
    this.wasActive = this.isActive(now);
    // A start announcement: the server measures the next report's wall-clock time from here.
    if (this.wasActive) env.send({ seconds: 0, leaving: false });
  }

  isActive(now = this.env.now()): boolean {
    return this.visible && this.focused && now - this.lastInputAt <= IDLE_BOUND_MS;
  }

  /** Adds the active time since the last accrual: the reader's state was constant in between. */
  private accrue(now: number) {
    if (this.visible && this.focused) {
      const end = Math.min(now, this.lastInputAt + IDLE_BOUND_MS);
      if (end > this.accruedFrom) this.pendingMs += end - this.accruedFrom;
    }
    this.accruedFrom = now;
  }

  private flush(leaving: boolean) {
    const seconds = Math.floor(this.pendingMs / 1000);
    if (seconds <= 0) return;
    this.pendingMs -= seconds * 1000;
    this.env.send({ seconds, leaving });
  }

  /** After any change: report at once when the reader stopped being active, announce when they started. */
  private settle(now: number, leaving = false) {
    const active = this.isActive(now);
    if (this.wasActive && !active) this.flush(leaving);
    else if (!this.wasActive && active) this.env.send({ seconds: 0, leaving: false });
    this.wasActive = active;
  }

  /** Keyboard, pointer, wheel, scroll, or an edit arriving in a live document the reader is in. */
  input() {
    if (this.stopped) return;
    const now = this.env.now();
    this.accrue(now);
    this.lastInputAt = now;
    this.settle(now);
  }

  visibility(visible: boolean) {
    if (this.stopped) return;
    const now = this.env.now();
    this.accrue(now);
    this.visible = visible;
    this.settle(now, !visible);
  }

  focus(focused: boolean) {
    if (this.stopped) return;
    const now = this.env.now();
    this.accrue(now);
    this.focused = focused;
    this.settle(now);
  }

  tick() {
    if (this.stopped) return;
    const now = this.env.now();
    this.accrue(now);
    this.flush(false);
    this.settle(now);
  }

  /** Leaving the item (navigation, unmount) or the page (pagehide): report what is left. */
  stop(leaving = false) {
    if (this.stopped) return;
    this.accrue(this.env.now());
    this.flush(leaving);
    this.stopped = true;
    this.env.clearInterval(this.timer);
  }

  /** Milliseconds counted and not yet reported (tests). */
  get pending() {
    return this.pendingMs;
  }
}
