import { progressOf } from "./types";
import type { Broadcast } from "./types";

/** One bar stacked by outcome; its text says how many outcomes are in. */
export function ProgressBar({ b, small = false }: { b: Pick<Broadcast, "total" | "counts">; small?: boolean }) {
  const p = progressOf(b);
  const share = (v: number) => (p.total > 0 ? `${(v / p.total) * 100}%` : "0%");
  return (
    <div
      className={`progress ${small ? "progress-sm" : ""}`}
      role="progressbar"
      aria-label={`${p.done} of ${p.total} done`}
      aria-valuemin={0}
      aria-valuemax={p.total}
      aria-valuenow={p.done}
    >
      {p.segments
        .filter((s) => s.value > 0)
        .map((s) => (
          <span key={s.key} className={`progress-seg seg-${s.key}`} style={{ width: share(s.value) }} title={`${s.label}: ${s.value}`} />
        ))}
    </div>
  );
}

export function Legend({ b }: { b: Pick<Broadcast, "total" | "counts"> }) {
  const p = progressOf(b);
  return (
    <ul className="progress-legend" aria-label="Legend">
      {p.segments.map((s) => (
        <li key={s.key}>
          <span className={`legend-dot seg-${s.key}`} aria-hidden="true" />
          {s.label}: {s.value}
        </li>
      ))}
    </ul>
  );
}
