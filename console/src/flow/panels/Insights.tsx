import type { PanelProps } from "../contract";

/** Placeholder until the analytics panel lands. */
export function InsightsPanel(_props: PanelProps) {
  return <section aria-label="Flow analytics">Analytics</section>;
}
