/** Placeholder until the replay page lands: /console/replay/:number/:phone */
export function ReplayPage() {
  return <main aria-label="Conversation replay">Replay</main>;
}
