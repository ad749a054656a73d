// The browser's activity tracker (app/lib/engagement.ts) under fake timers: visible, focused and
// recently used counts; a hidden tab, a background window and an idle screen count zero.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ActivityTracker, BEAT_INTERVAL_MS, IDLE_BOUND_MS, type Beat } from "../../app/lib/engagement.ts";

let visible = true;
let focused = true;
let beats: Beat[] = [];
const total = () => beats.reduce((s, b) => s + b.seconds, 0);

function tracker() {
  return new ActivityTracker({
    now: () => Date.now(),
    visible: () => visible,
    focused: () => focused,
    send: (b) => beats.push(b),
    setInterval: (fn, ms) => setInterval(fn, ms),
    clearInterval: (h) => clearInterval(h as ReturnType<typeof setInterval>),
  });
}
/** Advances time with input every `every` ms (a reader scrolling now and then). */
function readFor(t: ActivityTracker, ms: number, every = 5000) {
  for (let done = 0; done < ms; done += every) {
    vi.advanceTimersByTime(Math.min(every, ms - done));
    t.input();
  }
}

beforeEach(() => {
  vi.useFakeTimers();
  visible = true;
  focused = true;
  beats = [];
});
afterEach(() => vi.useRealTimers());

describe("the activity tracker", () => {
  it("announces a start, then reports active time every interval", () => {
    const t = tracker();
    expect(beats).toEqual([{ seconds: 0, leaving: false }]);
    readFor(t, 20_000);
    t.stop();
    expect(total()).toBe(20);
    expect(beats.filter((b) => b.seconds > 0).every((b) => b.seconds <= BEAT_INTERVAL_MS / 1000)).toBe(true);
  });

  it("counts nothing while the tab is hidden, and reports at once when it is hidden", () => {
    const t = tracker();
    readFor(t, 6000, 3000);
    visible = false;
    t.visibility(false);
    expect(beats.at(-1)).toEqual({ seconds: 6, leaving: true });
    // Input events while hidden (a scripted scroll) change nothing.
    readFor(t, 60_000);
    t.stop();
    expect(total()).toBe(6);
  });

  it("counts nothing while the window is in the background", () => {
    const t = tracker();
    focused = false;
    t.focus(false);
    readFor(t, 60_000);
    expect(total()).toBe(0);
    focused = true;
    t.focus(true);
    expect(beats.at(-1)).toEqual({ seconds: 0, leaving: false });
    readFor(t, 10_000);
    t.stop();
    expect(total()).toBe(10);
  });

  it("stops counting at the idle bound and resumes with the next input", () => {
    const t = tracker();
    vi.advanceTimersByTime(IDLE_BOUND_MS + 60_000);
    // Only the bound itself after the last input counts, then nothing.
    expect(total()).toBe(IDLE_BOUND_MS / 1000);
    expect(t.isActive()).toBe(false);
    t.input();
    readFor(t, 10_000);
    t.stop();
    expect(total()).toBe(IDLE_BOUND_MS / 1000 + 10);
  });

  it("keeps fractions for the next report and sends nothing after stop", () => {
    const t = tracker();
    vi.advanceTimersByTime(1500);
    t.input();
    visible = false;
    t.visibility(false);
    expect(total()).toBe(1);
    expect(t.pending).toBe(500);
    t.stop(true);
    const count = beats.length;
    vi.advanceTimersByTime(60_000);
    t.input();
    expect(beats.length).toBe(count);
  });
});
