import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { renderWith } from "../test/render";
import { user } from "../test/fixtures";
import { AnalyticsPage } from "./AnalyticsPage";
import type { ConversationAnalyticsOut, Metrics } from "./types";

const metrics = (total: number): Metrics => ({
  total_conversations: total,
  completed_conversations: Math.round(total / 2),
  completion_rate_percent: 50,
  avg_messages_per_conversation: 3,
  avg_conversation_duration_minutes: 2,
  handoff_conversations: 1,
  handoff_rate_percent: 12.5,
  unique_contacts: total,
  first_response_latency_ms: { samples: 0, avg: null, p50: null, p95: null },
});

test("the analytics page shows the period's metrics and each flow, linked to its editor", async () => {
  const periods: string[] = [];
  renderWith(<AnalyticsPage />, {
    user: user("org_admin"),
    routes: {
      "/analytics/conversations": (_: RequestInit, url: URL): ConversationAnalyticsOut => {
        const period = url.searchParams.get("period") as ConversationAnalyticsOut["period"];
        periods.push(period);
        const total = period === "24h" ? 3 : 8;
        return {
          period,
          since: null,
          metrics: metrics(total),
          by_flow: [
            { ...metrics(total - 1), flow_id: "flow-1", flow_name: "Pizza" },
            { ...metrics(1), flow_id: null, flow_name: null },
          ],
        };
      },
    },
  });
  const main = screen.getByRole("main", { name: "Analytics" });
  const table = await within(main).findByRole("table", { name: "Conversations by flow" });
  expect(periods).toEqual(["7d"]);
  expect(within(table).getByRole("link", { name: "Pizza" })).toHaveAttribute("href", "/flows/flow-1");
  expect(within(table).getByText("No flow")).toBeInTheDocument();
  // The bars share one scale, the busiest flow's: 7 conversations fill it, 1 is a seventh of it.
  const shares = within(table).getAllByRole("row").slice(1).map((r) => Number(r.querySelector("svg.bar")?.getAttribute("data-share")));
  expect(shares).toEqual([1, 0.143]);

  // Completion and handoff rate per flow, on a 0–100% scale.
  const rates = within(main).getByRole("list", { name: "Completion and handoff rate by flow" });
  const items = within(rates).getAllByRole("listitem");
  expect(items.map((i) => i.textContent)).toEqual([
    "PizzaCompleted 50%, handed off 12.5%",
    "No flowCompleted 50%, handed off 12.5%",
  ]);
  expect(items[0].querySelector(".bar-completion")).toHaveAttribute("data-share", "0.5");
  expect(items[0].querySelector(".bar-handoff")).toHaveAttribute("data-share", "0.125");

  expect(within(main).getByLabelText("Conversation metrics")).toHaveTextContent("8 contacts");
  await userEvent.setup().click(within(main).getByRole("button", { name: "24 h" }));
  await waitFor(() => expect(within(main).getByLabelText("Conversation metrics")).toHaveTextContent("3 contacts"));
  expect(within(main).getByRole("button", { name: "24 h" })).toHaveAttribute("aria-pressed", "true");
  expect(periods).toEqual(["7d", "24h"]);
});
