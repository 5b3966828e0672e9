/** Placeholder until the analytics page lands: /console/analytics */
export function AnalyticsPage() {
  return <main aria-label="Analytics">Analytics</main>;
}
