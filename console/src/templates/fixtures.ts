import { ORG } from "../test/fixtures";
import type { Template } from "./types";

export function template(over: Partial<Template> = {}): Template {
  return {
    organization_id: ORG,
    waba_id: "waba-1",
    name: "order_update",
    language: "en_US",
    meta_id: "m-1",
    status: "APPROVED",
    category: "UTILITY",
    parameter_format: "POSITIONAL",
    components: [
      { type: "HEADER", format: "TEXT", text: "Order {{1}}" },
      { type: "BODY", text: "Hi {{1}}, order {{2}} is on its way" },
      { type: "FOOTER", text: "PyTake" },
      { type: "BUTTONS", buttons: [{ type: "URL", text: "Track", url: "https://x.test/{{1}}" }] },
    ],
    requirements: { header: 1, header_format: "TEXT", body: 2, body_names: [], buttons: [0], total: 4 },
    reason: null,
    synced_at: "2026-03-02T10:00:00Z",
    status_changed_at: "2026-03-02T10:00:00Z",
    ...over,
  };
}
