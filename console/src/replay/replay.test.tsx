import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { Route, Routes } from "react-router-dom";
import type { FlowCanvasProps, ReplayOut, RerunOut } from "../flow/contract";
import { renderWith } from "../test/render";
import { user } from "../test/fixtures";
import { displayValue, emptyState, stateBefore, stateRows, visitedUpTo } from "./replay";
import { show } from "../flow/panels/sim";
import { ReplayPage } from "./ReplayPage";

const canvasProps: FlowCanvasProps[] = [];
vi.mock("../flow/editor/FlowCanvas", () => ({
  FlowCanvas: (props: FlowCanvasProps) => {
    canvasProps.push(props);
    return <div data-testid="canvas" data-active={props.overlay?.activeNodeId ?? ""} data-visited={(props.overlay?.visitedNodeIds ?? []).join(",")} />;
  },
}));

const PHONE = "5511900000001";
const NUMBER = "100000000000001";

function replay(conversation: string): ReplayOut {
  return {
    key: `${NUMBER}:${PHONE}`,
    conversation_id: conversation,
    conversations: ["conv-0", "conv-1"],
    flow_id: "flow-1",
    flow_version: 2,
    steps: [
      { n: 1, at: "2026-03-02T10:00:00Z", type: "ConversationStarted", summary: "started", node_id: "start", state: { status: "active", current_node_id: "start", variables: {}, timers: [], messages_queued: 0 } },
      { n: 2, at: "2026-03-02T10:00:01Z", type: "MessageSent", summary: "sent the menu", node_id: "menu", state: { status: "active", current_node_id: "menu", variables: {}, timers: [], messages_queued: 1 } },
      { n: 3, at: "2026-03-02T10:00:09Z", type: "InputReceived", summary: "chose pizza", node_id: null, state: { status: "active", current_node_id: "ask", variables: { choice: "pizza" }, timers: [] } },
      { n: 4, at: "2026-03-02T10:00:10Z", type: "ConversationClosed", summary: "completed", node_id: "end", state: { status: "closed", current_node_id: "end", variables: { choice: "pizza" }, timers: [] } },
    ],
  };
}

const RERUN: RerunOut = {
  conversation_id: "conv-1",
  recorded_flow: "v2",
  target_flow: "v3",
  first_divergence: 2,
  rows: [
    { n: 1, command: "start", recorded: ["What would you like?"], rerun: ["What would you like?"], same: true, note: "" },
    { n: 2, command: "button pizza", recorded: ["Your name?"], rerun: ["Which size?"], same: false, note: "a new question" },
  ],
};

function open(path = `/replay/${NUMBER}/${PHONE}?conversation=conv-1`) {
  const asked: string[] = [];
  const result = renderWith(
    <Routes>
      <Route path="/replay/:number/:phone" element={<ReplayPage />} />
    </Routes>,
    {
      user: user("org_admin"),
      path,
      routes: {
        [`/conversations/${PHONE}/replay`]: (_: RequestInit, url: URL) => {
          asked.push(url.search);
          return replay(url.searchParams.get("conversation_id") ?? "conv-1");
        },
        "/flows/flow-1/versions/2": { flow_id: "flow-1", version: 2, published_at: "2026-03-01T00:00:00Z", canvas_data: { nodes: [], edges: [] }, variables: {} },
        "/flows/flow-1/versions": {
          versions: [
            { version: 2, published_at: "2026-03-01T00:00:00Z", published_by: null },
            { version: 3, published_at: "2026-03-03T00:00:00Z", published_by: null },
          ],
        },
        [`POST /conversations/${PHONE}/rerun`]: (_: RequestInit, url: URL) => {
          asked.push(url.search);
          return RERUN;
        },
      },
    },
  );
  return { ...result, asked };
}

test("stateRows marks what a step changed, main fields first; visitedUpTo is the path so far", () => {
  const rows = stateRows(
    { status: "active", variables: { a: 1, b: 2 }, messages_queued: 1, flow_id: "f", flow_version: 1, flow_name: "Pizza" },
    { status: "closed", variables: { a: 1, c: 3 }, messages_queued: 2, flow_id: "f", flow_version: 2, flow_name: "Pizza" },
  );
  expect(rows.map((r) => [r.key, r.change, r.main])).toEqual([
    ["status", "changed", true],
    ["variables.a", "same", true],
    ["variables.b", "removed", true],
    ["variables.c", "added", true],
    ["flow", "changed", true],
    ["messages_queued", "changed", false],
  ]);
  expect(displayValue("flow", rows[4].value, show)).toBe("f@2 (Pizza)");
  expect(visitedUpTo(replay("c").steps, 3)).toEqual(["start", "menu", "end"]);
});

test("step 1 is compared with the state before any event: only what it changed is marked", () => {
  const after = {
    ...emptyState("k"),
    status: "active",
    conversation_id: "conv-1",
    flow_id: "f",
    flow_version: 2,
    flow_name: "Pizza",
    started_at: 1772445600,
  };
  const steps = [{ n: 1, at: null, type: "ConversationStarted", summary: "", node_id: null, state: after }];
  const changed = stateRows(stateBefore(steps, 0, "k"), after).filter((r) => r.change !== "same");
  expect(changed.map((r) => [r.key, r.change])).toEqual([
    ["status", "changed"],
    ["flow", "changed"],
    ["conversation_id", "changed"],
    ["started_at", "changed"],
  ]);
  // A state recorded with fewer fields: nothing reads as removed.
  const partial = { status: "active", current_node_id: "start", variables: {}, timers: [] };
  expect(stateRows(stateBefore([{ ...steps[0], state: partial }], 0, "k"), partial).map((r) => [r.key, r.change])).toEqual([
    ["status", "changed"],
    ["current_node_id", "changed"],
    ["timers", "same"],
  ]);
});

test("timers read as kind and due time", () => {
  const due = new Date(2026, 2, 2, 10, 5, 0).getTime() / 1000;
  const text = displayValue("timers", { "t-1": { kind: "question_timeout", fire_at: due, node_id: "ask" } }, show);
  expect(text).toMatch(/^question_timeout · due .*05.* · ask$/);
  expect(displayValue("timers", {}, show)).toBe("none");
});

test("the replay steps through the recorded events with buttons and arrow keys", async () => {
  const { asked } = open();
  const main = screen.getByRole("main", { name: "Conversation replay" });
  const steps = await within(main).findByRole("list", { name: "Steps" });
  expect(asked[0]).toBe(`?number=${NUMBER}&conversation_id=conv-1`);
  expect(within(steps).getAllByRole("button")).toHaveLength(4);
  const state = () => within(main).getByRole("table", { name: "State after step" });
  expect(within(steps).getAllByRole("button")[0]).toHaveAttribute("aria-current", "step");
  expect(within(main).getByRole("button", { name: "Previous step" })).toBeDisabled();
  const canvas = await screen.findByTestId("canvas");
  expect(canvas).toHaveAttribute("data-active", "start");
  expect(canvasProps.at(-1)?.readOnly).toBe(true);
  // The canvas comes before the state table, beside the steps.
  expect(canvas.compareDocumentPosition(state()) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  // Step 1 against the empty state: status and node changed, no variable yet.
  expect(within(state()).getByRole("row", { name: /^status/ })).toHaveTextContent("changed (was new)");
  expect(within(state()).getByRole("row", { name: /^variables/ })).toHaveTextContent("none");
  expect(within(state()).getByRole("row", { name: /^timers/ })).not.toHaveTextContent(/new|changed/);
  expect(within(state()).queryByText("new")).not.toBeInTheDocument();

  const u = userEvent.setup();
  await u.click(within(main).getByRole("button", { name: "Next step" }));
  expect(within(state()).getByRole("row", { name: /current_node_id/ })).toHaveTextContent("menu");
  expect(within(state()).getByRole("row", { name: /current_node_id/ })).toHaveTextContent("changed");
  // Counters and ids are under a collapsed "All fields".
  expect(within(state()).queryByRole("row", { name: /messages_queued/ })).not.toBeInTheDocument();
  const more = within(main).getByText("All fields").closest("details")!;
  expect(more).not.toHaveAttribute("open");
  expect(more.querySelector("summary")).toHaveTextContent("1 more, 1 changed");
  expect(within(more).getByRole("row", { name: /messages_queued/ })).toHaveTextContent("1changed (was 0)");

  fireEvent.keyDown(window, { key: "ArrowDown" });
  // Step 3 has no node of its own: the canvas shows where the state stands.
  await waitFor(() => expect(screen.getByTestId("canvas")).toHaveAttribute("data-active", "ask"));
  expect(screen.getByTestId("canvas")).toHaveAttribute("data-visited", "start,menu");
  expect(within(state()).getByRole("row", { name: /variables\.choice/ })).toHaveTextContent("new");

  await u.click(within(steps).getByRole("button", { name: /ConversationClosed/ }));
  expect(within(main).getByRole("button", { name: "Next step" })).toBeDisabled();
  expect(within(state()).getByRole("row", { name: /^status/ })).toHaveTextContent("closed");
  fireEvent.keyDown(window, { key: "ArrowUp" });
  expect(within(steps).getAllByRole("button")[2]).toHaveAttribute("aria-current", "step");

  // Another conversation of the contact.
  await u.selectOptions(within(main).getByRole("combobox", { name: "Conversation" }), "conv-0");
  await waitFor(() => expect(asked.at(-1)).toBe(`?number=${NUMBER}&conversation_id=conv-0`));
  await waitFor(() => expect(within(screen.getByRole("list", { name: "Steps" })).getAllByRole("button")[0]).toHaveAttribute("aria-current", "step"));
});

test("a re-run on another version compares recorded and re-run messages, the first divergence called out", async () => {
  const { asked } = open();
  const u = userEvent.setup();
  const select = await screen.findByRole("combobox", { name: "Version" });
  await waitFor(() => expect(select).toHaveValue("3"));
  await u.click(screen.getByRole("button", { name: "Re-run" }));
  const table = await screen.findByRole("table", { name: "Re-run comparison" });
  expect(asked.at(-1)).toBe(`?number=${NUMBER}&version=3&conversation_id=conv-1`);
  const rows = within(table).getAllByRole("row").slice(1);
  expect(rows[0]).not.toHaveClass("is-diff");
  expect(rows[1]).toHaveClass("is-diff");
  expect(rows[1]).toHaveTextContent("Your name?");
  expect(rows[1]).toHaveTextContent("Which size?");
  expect(rows[1]).toHaveTextContent("differs");
  expect(screen.getByText(/First divergence at command 2 \(button pizza\): a new question/)).toBeInTheDocument();
});
