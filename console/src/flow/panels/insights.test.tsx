import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import type { FlowReportOut, NodeFunnel } from "../../analytics/types";
import type { CanvasOverlay } from "../contract";
import { renderWith } from "../../test/render";
import { user } from "../../test/fixtures";
import { heatOf } from "./heat";
import { InsightsPanel } from "./Insights";

function node(node_id: string, over: Partial<NodeFunnel> = {}): NodeFunnel {
  return {
    node_id,
    node_type: "message",
    entered: 10,
    visits: 10,
    left: 10,
    stopped_here: 0,
    still_here: 0,
    completed_here: 0,
    dropped_here: 0,
    drop_off_rate_percent: 0,
    ...over,
  };
}

const METRICS = {
  total_conversations: 10,
  completed_conversations: 6,
  completion_rate_percent: 60,
  avg_messages_per_conversation: 4.5,
  avg_conversation_duration_minutes: 3.2,
  handoff_conversations: 2,
  handoff_rate_percent: 20,
  unique_contacts: 9,
  first_response_latency_ms: { samples: 10, avg: 300, p50: 250, p95: 900 },
};

function report(period: string, nodes: NodeFunnel[]): FlowReportOut {
  return {
    flow_id: "flow-1",
    flow_version: 2,
    period: period as FlowReportOut["period"],
    metrics: METRICS,
    nodes,
    delivery: {
      flow_id: "flow-1",
      flow_version: 2,
      period: period as FlowReportOut["period"],
      queued: 40,
      accepted: 38,
      delivered: 35,
      read: 20,
      failed: 2,
      accepted_rate_percent: 95,
      delivered_rate_percent: 87.5,
      read_rate_percent: 50,
      failed_rate_percent: 5,
      failures_by_code: [{ code: 131047, count: 2 }],
    },
  };
}

test("heatOf maps the node funnel to the canvas's figures, by node id", () => {
  const heat = heatOf([
    node("start"),
    node("ask", { node_type: "question", entered: 10, left: 6, stopped_here: 4, dropped_here: 3, drop_off_rate_percent: 30 }),
  ]);
  expect(heat).toEqual({
    start: { entered: 10, left: 10, stoppedHere: 0, droppedHere: 0, dropOffRatePercent: 0 },
    ask: { entered: 10, left: 6, stoppedHere: 4, droppedHere: 3, dropOffRatePercent: 30 },
  });
  expect(heatOf([])).toEqual({});
});

test("the analytics panel paints heat for the chosen period and shows the delivery funnel", async () => {
  const overlays: (CanvasOverlay | null)[] = [];
  const asked: string[] = [];
  const { unmount } = renderWith(<InsightsPanel flowId="flow-1" version={null} document={{ canvas_data: { nodes: [], edges: [] }, variables: {} }} onOverlay={(o) => overlays.push(o)} />, {
    user: user("viewer"),
    routes: {
      "/whatsapp-analytics/flows/flow-1/report": (_init: RequestInit, url: URL) => {
        const period = url.searchParams.get("period") ?? "";
        asked.push(url.search);
        return report(period, period === "30d" ? [node("start", { entered: 99 })] : [node("start"), node("ask", { dropped_here: 4, drop_off_rate_percent: 40 })]);
      },
    },
  });
  const panel = screen.getByRole("region", { name: "Flow analytics" });
  const funnel = await within(panel).findByRole("table", { name: "Delivery funnel" });
  expect(within(funnel).getByRole("row", { name: /Delivered/ })).toHaveTextContent("87.5%");
  expect(within(panel).getByRole("list", { name: "Failures by code" })).toHaveTextContent("131047");
  expect(within(panel).getByText("60%")).toBeInTheDocument();
  await waitFor(() => expect(overlays.at(-1)?.heat?.ask?.dropOffRatePercent).toBe(40));
  expect(asked[0]).toBe("?period=7d");

  await userEvent.setup().click(within(panel).getByRole("button", { name: "30 d" }));
  await waitFor(() => expect(overlays.at(-1)?.heat).toEqual({ start: { entered: 99, left: 10, stoppedHere: 0, droppedHere: 0, dropOffRatePercent: 0 } }));
  expect(within(panel).getByRole("button", { name: "30 d" })).toHaveAttribute("aria-pressed", "true");
  unmount();
  expect(overlays.at(-1)).toBeNull();
});
