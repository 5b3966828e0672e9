import type { PanelProps } from "../contract";

/** Placeholder until the simulator panel lands. */
export function SimulatorPanel(_props: PanelProps) {
  return <section aria-label="Simulator">Simulator</section>;
}
