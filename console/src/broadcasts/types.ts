// The shapes of /broadcasts (services/analytics/.../api/broadcasts.py), and their progress.

export interface BroadcastCounts {
  pending?: number;
  queued?: number;
  accepted?: number;
  sent?: number;
  delivered?: number;
  read?: number;
  failed?: number;
  skipped?: number;
  cancelled?: number;
  indefinite?: number;
}

export interface Broadcast {
  id: string;
  organization_id: string;
  number_id: string;
  phone_number_id: string;
  waba_id: string;
  name: string;
  template_name: string;
  language: string;
  /** running, paused, completed, cancelled */
  status: string;
  status_reason: string | null;
  total: number;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  counts: BroadcastCounts;
  /** Recipients given twice (kept once), at creation. */
  repeated: number;
}

export interface BroadcastPage {
  broadcasts: Broadcast[];
  total: number;
  page: number;
  per_page: number;
}

export interface Recipient {
  position: number;
  wa_id: string;
  /** pending, queued, accepted, sent, delivered, read, failed, skipped, cancelled, indefinite */
  outcome: string;
  outbound_id: string;
  skip_reason: string | null;
  wamid: string | null;
  error_code: number | null;
  error_reason: string | null;
  queued_at: string | null;
  accepted: string | null;
  delivered: string | null;
  read: string | null;
}

export interface RecipientPage {
  recipients: Recipient[];
  total: number;
  page: number;
  per_page: number;
}

const STATUS: Record<string, { label: string; tone: string }> = {
  running: { label: "Running", tone: "blue" },
  paused: { label: "Paused", tone: "amber" },
  completed: { label: "Completed", tone: "green" },
  cancelled: { label: "Cancelled", tone: "grey" },
};

export function broadcastStatus(status: string): { label: string; tone: string } {
  return STATUS[status] ?? { label: status ? `${status[0].toUpperCase()}${status.slice(1)}` : "Unknown", tone: "grey" };
}

const OUTCOME: Record<string, { label: string; tone: string }> = {
  pending: { label: "Not sent yet", tone: "grey" },
  queued: { label: "Queued", tone: "blue" },
  retrying: { label: "Retrying", tone: "amber" },
  indefinite: { label: "Unknown", tone: "amber" },
  accepted: { label: "Accepted", tone: "green" },
  sent: { label: "Sent", tone: "green" },
  delivered: { label: "Delivered", tone: "green" },
  read: { label: "Read", tone: "green" },
  failed: { label: "Failed", tone: "red" },
  skipped: { label: "Skipped", tone: "grey" },
  cancelled: { label: "Cancelled", tone: "grey" },
};

export function outcomeOf(outcome: string): { label: string; tone: string } {
  return OUTCOME[outcome] ?? { label: outcome, tone: "grey" };
}

export interface Progress {
  total: number;
  /** Every recipient whose outcome is in (accepted, failed, skipped, cancelled, unknown). */
  done: number;
  /** Segments of the bar, each a share of the total. */
  segments: { key: string; label: string; value: number }[];
}

export function progressOf(b: Pick<Broadcast, "total" | "counts">): Progress {
  const c = b.counts;
  const n = (v: number | undefined) => v ?? 0;
  const delivered = n(c.delivered);
  const accepted = Math.max(0, n(c.accepted) - delivered);
  const done = n(c.accepted) + n(c.failed) + n(c.skipped) + n(c.cancelled) + n(c.indefinite);
  return {
    total: b.total,
    done: Math.min(b.total, done),
    segments: [
      { key: "delivered", label: "Delivered", value: delivered },
      { key: "accepted", label: "Accepted, not delivered yet", value: accepted },
      { key: "failed", label: "Failed", value: n(c.failed) },
      { key: "skipped", label: "Skipped or cancelled", value: n(c.skipped) + n(c.cancelled) + n(c.indefinite) },
      { key: "queued", label: "Queued", value: n(c.queued) },
    ],
  };
}

export function isLive(status: string | undefined): boolean {
  return status === "running";
}
